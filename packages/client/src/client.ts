import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  ControlFrameEncoder,
  createAuthKey,
  decodeFrame,
  Flag,
  Kind,
  type LogRecord,
  type LogRecordInput,
  ProtocolError,
} from '@clogs/protocol';
import { BufferPool } from './batch/buffer-pool.js';
import { Lane, type QueuedFrame } from './batch/lane.js';
import { RateControl, type RateMode } from './delivery/rate-control.js';
import { Retransmit } from './delivery/retransmit.js';
import { type DiscoveryState, startDiscovery } from './discovery/discovery.js';
import { ClientError } from './errors.js';
import { type HealthReason, type HealthState, PingTracker } from './health/ping-tracker.js';
import { ProcessHold } from './lifetime/process-hold.js';
import {
  type ClientOptions,
  type LevelInput,
  type ResolvedOptions,
  resolveOptions,
  resolveServers,
  toLevel,
} from './options.js';
import { Continuum } from './ring/continuum.js';
import { ketamaHash } from './ring/ketama-hash.js';
import { KetamaPoints } from './ring/ketama-points.js';
import { RouteCache } from './ring/route-cache.js';
import type { ServerInput, ServerSpec } from './server-spec.js';
import { Pacer } from './transport/pacer.js';
import { UdpTransport } from './transport/udp-transport.js';

/** Per-record fields; anything omitted comes from `defaults`. */
export interface LogOptions {
  sysId?: string | undefined;
  msgType?: string | undefined;
  fileName?: string | undefined;
  level?: LevelInput | undefined;
  /** µs since the epoch; default: now. */
  timeUs?: number | bigint | undefined;
  headLen?: number | undefined;
  reserved?: Uint8Array | undefined;
  /** Send to this server (by name) instead of routing, while it is up. */
  server?: string | undefined;
}

/** Why records were dropped. */
export type DropReason =
  /** Past maxQueueBytes with onFull 'drop-newest': the new record was refused. */
  | 'queue_full'
  /** Past maxQueueBytes with onFull 'drop-oldest': queued records made room. */
  | 'oldest_dropped'
  /** The datagram could not be sent (EMSGSIZE, ENETUNREACH, ...). */
  | 'send_failed'
  /** close() reached its deadline before they were delivered. */
  | 'closed'
  /**
   * The app was done (Node's 'beforeExit') while the client held records it had not been
   * able to deliver for `exitTimeoutMs` (every server down, no ACK): given up so the
   * process can end.
   */
  | 'exit_timeout';

/** Payload of the `down` event. */
export interface DownEvent {
  server: string;
  reason: HealthReason;
  /** What a person should read: what was seen and, for a server that never answered, the likely causes. */
  message: string;
}

export interface ServerState {
  name: string;
  host: string;
  port: number;
  /** The address the name resolved to, once it has. */
  address: string | undefined;
  weight: number;
  /** Sent records (`up`), not yet heard from (`probing`: records wait for its first PONG), or out (`down`). */
  state: HealthState;
  up: boolean;
  misses: number;
  /** Last ping round trip, ms. */
  rttMs: number | undefined;
  /** Share of the continuum (0 when down). */
  share: number;
  framesSent: number;
  recordsSent: number;
  bytesSent: number;
  sendErrors: number;
  queuedRecords: number;
  /** Frames acknowledged, resent (at-least-once), awaiting an ACK; the ACK timeout. */
  framesAcked: number;
  framesResent: number;
  unacked: number;
  rtoMs: number;
  /**
   * `'acked'`: the server ACKs, and the window and pacing follow its measured delivery
   * rate and round trip. `'open-loop'` (at-most-once only): it answers pings but sends no
   * ACKs, so frames go at the `pace` setting, unconfirmed.
   */
  flow: 'acked' | 'open-loop';
  /** The flow controller's phase (see the README's Flow control). */
  flowMode: RateMode;
  /** Measured delivery rate (the bandwidth estimate), bytes/ms; 0 before the first ACK. */
  deliveryRate: number;
  /** Least ACK round trip of the last 10 s, ms; undefined before the first ACK. */
  minRttMs: number | undefined;
  /** Bytes allowed in flight now, and in flight. */
  windowBytes: number;
  inflightBytes: number;
  /** The window in frames of `maxDatagramBytes`. */
  window: number;
}

export interface ClientStats {
  /** Records `log()` accepted. */
  accepted: number;
  /** Records handed to the network (first sends; a re-routed record counts again). */
  sent: number;
  /** At-least-once: records acknowledged by a server. */
  acked: number;
  /** Records `log()` refused as malformed (it threw). */
  refused: number;
  /** Records moved to another server because theirs went down (or from no server to one). */
  rerouted: number;
  dropped: Record<DropReason, number>;
  /** Bytes held for records not yet sent (what maxQueueBytes bounds). */
  queuedBytes: number;
  /** Records waiting because no server is up. */
  parkedRecords: number;
  servers: ServerState[];
  /** With the `discovery` option: where the fleet comes from, its revision (the config version), and whether etcd answers. */
  discovery: DiscoveryState | undefined;
}

interface ServerEntry {
  spec: ServerSpec;
  transport: UdpTransport;
  tracker: PingTracker;
  lane: Lane;
  /** Frames awaiting their ACK, the ACK timeout. */
  rtx: Retransmit;
  /** How much may be in flight, and how fast it goes. */
  rc: RateControl;
  pacer: Pacer;
  /** At-most-once: the server sends no ACKs (none at all, or none lately); frames go at the pace setting. */
  openLoop: boolean;
  /** The no-ACK warning was given. */
  noAckWarned: boolean;
  /** At-least-once: the server sent no ACKs; out of the continuum until this time (0: in). */
  noAckUntil: number;
  stats: { framesSent: number; recordsSent: number; bytesSent: number; sendErrors: number };
}

const DROP_EVENT_MS = 1000;
/** A server out for sending no ACKs (at-least-once) is tried again after this long. */
const NO_ACK_RETRY_MS = 30_000;
/**
 * At-most-once: a server that has ACKed no frame at all this many ping round trips after
 * the first went out (and at least NEVER_ACKED_MS) is taken to send no ACKs. A
 * clogs-server ACKs its first frame after one file write, in a few ms.
 */
const NEVER_ACKED_RTTS = 8;
const NEVER_ACKED_MS = 100;

/**
 * The clogs client. Make one with {@link createClient}.
 *
 * Events: `up` / `down` (`{ server, reason }`, `down` with a `message`), `reroute`
 * (`{ from, records }`), `drop` (`{ reason, records }`, at most once a second per
 * reason), `drain` (the queue is below the high-water mark again), `warning` (a
 * {@link ClientError}: a send or DNS failure, a server that sends no ACKs; never thrown).
 * There is no `error` event: nothing the network does is an error of the caller's.
 */
export class ClogsClient extends EventEmitter {
  /** This client's random id, in every frame it sends. */
  readonly sender = randomInt(2 ** 32);
  private readonly o: ResolvedOptions;
  private readonly pool: BufferPool;
  private readonly ping: ControlFrameEncoder;
  private readonly key;
  private entries: ServerEntry[] = [];
  /** Servers' continuum points, hashed once: a fleet change merges instead of hashing again. */
  private readonly ketama = new KetamaPoints();
  private ring = new Continuum([]);
  private ringEntries: ServerEntry[] = [];
  private readonly cache: RouteCache;
  private readonly parked: Lane;
  private seq = randomInt(2 ** 32);
  /** Round robin position for route 'record'. */
  private roundRobin = 0;
  private held = 0;
  /** At-least-once: bytes of `held` that are sent and await their ACK (not the queue a producer fills). */
  private unackedBytes = 0;
  private inflight = 0;
  private needDrain = false;
  /** close() was called: log() refuses. */
  private closed = false;
  /** close() is done: sockets and timers are gone. */
  private released = false;
  private ticks = 0;
  private readonly counts = { accepted: 0, sent: 0, acked: 0, refused: 0, rerouted: 0 };
  /** ACK_WANTED, in both modes: ACKs clock the sending (at-least-once: and release frames). */
  private readonly frameFlags = Flag.ACK_WANTED;
  /** Every 10 ms: resends and ACK expiry; ref'd by {@link hold} alone, its keep-alive handle. */
  private readonly tickTimer: NodeJS.Timeout;
  private readonly hold: ProcessHold;
  private closing: Promise<{ undelivered: number }> | undefined;
  /** Brings close()'s deadline nearer (a second close() with a shorter timeout). */
  private closeSooner: ((timeoutMs: number) => void) | undefined;
  private readonly dropped: Record<DropReason, number> = {
    queue_full: 0,
    oldest_dropped: 0,
    send_failed: 0,
    closed: 0,
    exit_timeout: 0,
  };
  private readonly dropPending = new Map<DropReason, number>();
  private dropTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private pumpTimer: NodeJS.Timeout | undefined;
  private readonly healthTimer: NodeJS.Timeout;
  private readonly dnsTimer: NodeJS.Timeout;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly discovery: ReturnType<typeof startDiscovery> | undefined;
  // One record object, refilled by every log() call: no allocation per record for it.
  private readonly rec: LogRecordInput = { sysId: '', msgType: '', fileName: '', msg: '' };
  private lastSys = '';
  private lastFile = '';
  private lastEntry: ServerEntry | undefined;
  private readonly nextSeq = () => {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  };

  /** @internal use {@link createClient} */
  constructor(options: ClientOptions) {
    super();
    this.o = resolveOptions(options);
    this.key = this.o.key === undefined ? undefined : createAuthKey(this.o.key);
    // Spare buffers are memory maxQueueBytes does not count: keep a quarter of it at most.
    this.pool = new BufferPool(
      this.o.maxDatagramBytes,
      Math.min(256, Math.max(2, Math.floor(this.o.maxQueueBytes / this.o.maxDatagramBytes / 4))),
    );
    this.ping = new ControlFrameEncoder(Kind.PING, this.key);
    this.cache = new RouteCache(this.o.routeCacheSize);
    this.parked = this.newLane();
    this.entries = this.o.servers.map((spec) => this.newEntry(spec, 'probing'));
    this.tickTimer = setInterval(() => this.tick(), 10).unref();
    this.hold = new ProcessHold(this.tickTimer, this.o.exitTimeoutMs, () => {
      this.abandon('exit_timeout');
      // No 'drain': a producer waiting for room would refill a queue nothing can deliver
      // and be dropped again; left waiting, it lets the process end.
      this.needDrain = false;
      this.settled();
    });
    this.rebuild();
    this.healthTimer = setInterval(() => this.healthTick(), this.o.pingIntervalMs).unref();
    this.dnsTimer = setInterval(() => {
      for (const e of this.entries) void e.transport.refresh();
    }, this.o.dnsRefreshMs).unref();
    this.discovery = this.o.discovery && startDiscovery(this.o.discovery, this, this.o);
    // First pings go out once the sockets are connected.
    void Promise.all(this.entries.map((e) => e.transport.refresh())).then(() => {
      // Unless the interval got there first (slow DNS): a second tick now would judge
      // pings sent a moment ago as missed.
      if (this.ticks === 0) this.healthTick();
    });
  }

  /**
   * Queues one record; never waits, never throws on network trouble. Returns false when
   * the queue is past the high-water mark (the record is still taken unless it was
   * dropped): stop and wait for `drain`, as with a stream. A dropped record is counted
   * and reported by the `drop` event.
   * @throws {ClientError} `ERR_CLIENT_BAD_RECORD` (with `field` and `reason`) for a record
   * the wire format does not allow, `ERR_CLIENT_CLOSED` after `close()`.
   */
  log(msg: string | Uint8Array, options?: LogOptions): boolean {
    if (this.closed) throw new ClientError('ERR_CLIENT_CLOSED', 'log() after close()');
    const o = this.o;
    const rec = this.rec;
    rec.msg = msg;
    rec.sysId = options?.sysId ?? o.sysId ?? (undefined as unknown as string);
    rec.msgType = options?.msgType ?? o.msgType ?? (undefined as unknown as string);
    rec.fileName = options?.fileName ?? o.fileName ?? (undefined as unknown as string);
    rec.level = options?.level === undefined ? o.level : toLevel(options.level);
    rec.timeUs = options?.timeUs;
    rec.headLen = options?.headLen;
    rec.reserved = options?.reserved;
    if (this.held >= o.maxQueueBytes && !this.makeRoom()) {
      this.drop('queue_full', 1);
      this.needDrain = true;
      return false;
    }
    const entry = options?.server === undefined ? this.pick(rec) : this.byName(options.server, rec);
    try {
      this.append(entry === undefined ? this.parked : entry.lane, rec);
    } catch (err) {
      this.counts.refused++;
      throw toRecordError(err);
    }
    this.counts.accepted++;
    if (this.held - this.unackedBytes >= o.highWaterBytes) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  /**
   * Sends everything queued; resolves once every record is handed to the network (or,
   * with `timeoutMs`, when that time is up: then false). Waits while no server is up.
   */
  flush(options?: { timeoutMs?: number }): Promise<boolean> {
    this.sealAll();
    this.pump();
    return this.whenIdle(options?.timeoutMs);
  }

  /**
   * Stops taking records, sends what is queued (waiting at most `timeoutMs`, default
   * 5,000), then releases sockets and timers. Resolves with what could not be delivered
   * (counted as dropped `closed`). A second call returns the same promise; a shorter
   * `timeoutMs` brings the deadline nearer (`close({ timeoutMs: 0 })` gives up now).
   */
  close(options?: { timeoutMs?: number }): Promise<{ undelivered: number }> {
    const timeoutMs = options?.timeoutMs ?? 5000;
    if (this.closing !== undefined) {
      this.closeSooner?.(timeoutMs);
      return this.closing;
    }
    this.closed = true;
    void this.discovery?.close();
    // Health checks go on meanwhile: a server that dies now is taken out and its
    // records re-routed; one that comes back takes the parked ones.
    this.sealAll();
    this.pump();
    this.closing = this.whenIdle(timeoutMs, (sooner) => {
      this.closeSooner = sooner;
    }).then(() => {
      this.released = true;
      clearInterval(this.healthTimer);
      clearInterval(this.dnsTimer);
      clearInterval(this.tickTimer);
      clearTimeout(this.flushTimer);
      clearTimeout(this.pumpTimer);
      for (const e of this.entries) e.transport.close();
      const undelivered = this.abandon('closed');
      this.hold.release();
      this.flushDrops();
      clearTimeout(this.dropTimer);
      return { undelivered };
    });
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The server a route key maps to now (`sys_id/file_name` for the default route), or undefined when none is up. */
  route(key: string): string | undefined {
    const index = this.ring.ownerOf(ketamaHash(key));
    return index < 0 ? undefined : this.ringEntries[index]!.spec.name;
  }

  /**
   * Replaces the server list. Servers are matched by name: kept ones keep their state,
   * new ones join, removed ones leave (their queued records are re-routed). Only keys
   * of added or removed servers move.
   */
  setServers(servers: readonly ServerInput[]): void {
    if (this.closed) throw new ClientError('ERR_CLIENT_CLOSED', 'setServers() after close()');
    const specs = resolveServers(servers);
    const byName = new Map(this.entries.map((e) => [e.spec.name, e]));
    const next: ServerEntry[] = [];
    for (const spec of specs) {
      const old = byName.get(spec.name);
      if (old !== undefined && old.spec.host === spec.host && old.spec.port === spec.port) {
        byName.delete(spec.name);
        old.spec = spec;
        next.push(old);
      } else {
        // New, or a known name at a new address: it joins once it has answered a ping.
        const fresh = this.newEntry(spec, 'down');
        void fresh.transport.refresh().then(() => {
          if (!this.released && this.entries.includes(fresh)) this.probe(fresh, performance.now());
        });
        next.push(fresh);
      }
    }
    this.entries = next;
    this.rebuild();
    for (const gone of byName.values()) {
      this.reroute(gone);
      gone.transport.close();
    }
    this.pump();
  }

  stats(): ClientStats {
    const shares = this.ring.shares();
    return {
      ...this.counts,
      dropped: { ...this.dropped },
      queuedBytes: this.held,
      parkedRecords: this.parked.queuedRecords + this.parked.openRecords,
      discovery: this.discovery?.state(),
      servers: this.entries.map((e) => ({
        name: e.spec.name,
        host: e.spec.host,
        port: e.spec.port,
        address: e.transport.address,
        weight: e.spec.weight,
        state: e.noAckUntil > 0 ? ('down' as const) : e.tracker.state,
        up: e.tracker.up && e.noAckUntil === 0,
        misses: e.tracker.misses,
        rttMs: e.tracker.rttMs,
        share: shares[this.ringEntries.indexOf(e)] ?? 0,
        queuedRecords: e.lane.queuedRecords + e.lane.openRecords,
        ...e.stats,
        framesAcked: e.rtx.acked,
        framesResent: e.rtx.resent,
        unacked: e.rtx.unacked.size,
        rtoMs: e.rtx.rtoMs,
        flow: e.openLoop ? ('open-loop' as const) : ('acked' as const),
        flowMode: e.rc.mode,
        deliveryRate: e.rc.btlBw,
        minRttMs: e.rc.minRttMs === Number.POSITIVE_INFINITY ? undefined : e.rc.minRttMs,
        windowBytes: e.rc.cwnd,
        inflightBytes: e.rc.inflight,
        window: Math.floor(e.rc.cwnd / this.o.maxDatagramBytes),
      })),
    };
  }

  // --- routing and batching -------------------------------------------------

  private pick(rec: LogRecordInput): ServerEntry | undefined {
    const ringEntries = this.ringEntries;
    if (ringEntries.length === 0) return undefined;
    const mode = this.o.route;
    if (mode === 'record') return ringEntries[this.roundRobin++ % ringEntries.length];
    if (mode === 'file') {
      // The same file as the last record: no key to build, no lookup.
      if (rec.sysId === this.lastSys && rec.fileName === this.lastFile && this.lastEntry !== undefined) {
        return this.lastEntry;
      }
      const entry = this.lookup(`${rec.sysId}/${rec.fileName}`);
      this.lastSys = rec.sysId;
      this.lastFile = rec.fileName;
      this.lastEntry = entry;
      return entry;
    }
    return this.lookup(mode({ sysId: rec.sysId, msgType: rec.msgType, fileName: rec.fileName }));
  }

  private lookup(key: string): ServerEntry {
    return this.ringEntries[this.cache.route(key, this.ring)]!;
  }

  private byName(name: string, rec: LogRecordInput): ServerEntry | undefined {
    const entry = this.entries.find((e) => e.spec.name === name);
    return entry !== undefined && this.inRing(entry) ? entry : this.pick(rec);
  }

  /** Appends to a lane, keeping `held` in step, and gets the frame on its way. */
  private append(lane: Lane, rec: LogRecordInput): void {
    const before = lane.queuedBytes + lane.openBytes;
    const frames = lane.queue.length;
    lane.append(rec, this.nextSeq, this.frameFlags);
    this.held += lane.queuedBytes + lane.openBytes - before;
    if (!this.hold.working) this.hold.begin(performance.now());
    if (lane.queue.length !== frames && lane !== this.parked) this.schedulePump();
    else this.scheduleFlush();
  }

  /** onFull 'drop-oldest': drops queued frames, oldest first, until there is room. */
  private makeRoom(): boolean {
    if (this.o.onFull !== 'drop-oldest') return false;
    const lanes = [this.parked, ...this.entries.map((e) => e.lane)];
    let oldest: { lane: Lane; frame: QueuedFrame } | undefined;
    while (this.held >= this.o.maxQueueBytes) {
      oldest = undefined;
      for (const lane of lanes) {
        const head = lane.queue[0];
        if (head !== undefined && (oldest === undefined || seqBefore(head.seq, oldest.frame.seq))) {
          oldest = { lane, frame: head };
        }
      }
      if (oldest === undefined) return false;
      oldest.lane.shift();
      this.held -= oldest.frame.frame.length;
      this.pool.give(oldest.frame.backing);
      this.drop('oldest_dropped', oldest.frame.records);
    }
    return true;
  }

  private sealAll(): void {
    for (const e of this.entries) this.seal(e.lane);
  }

  private seal(lane: Lane): void {
    const before = lane.queuedBytes + lane.openBytes;
    lane.seal(this.nextSeq(), this.frameFlags);
    this.held += lane.queuedBytes + lane.openBytes - before;
  }

  /** Partial frames go out after flushIntervalMs; the timer holds the process only while records wait. */
  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.released) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.sealAll();
      this.pump();
    }, this.o.flushIntervalMs);
  }

  private schedulePump(): void {
    this.armPump(0);
  }

  /**
   * One pump timer; a pending one stands. (Moving it sooner for every ACK, even only for
   * needs 50 ms sooner, measurably made sending burstier: 0.2–0.4% lost into a counting
   * receiver, 0.1–6% of records dropped by a slow-disk server.)
   */
  private armPump(ms: number): void {
    if (this.pumpTimer !== undefined) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  /**
   * Sends each server's queued frames as fast as its pacer and its window allow, then
   * yields until the pacer has room again: a burst never goes out in one event-loop
   * turn, which is what overruns a receiver. The window and the pacing rate are the
   * server's {@link RateControl}, from its measured delivery rate and round trip; a full
   * window is reopened by ACKs, which pump again, or by timeouts. A server that sends no
   * ACKs (at-most-once) is sent open-loop, at the `pace` setting.
   */
  private pump(): void {
    const now = performance.now();
    let waitMs = Number.POSITIVE_INFINITY;
    for (const e of this.entries) {
      if (!e.transport.ready || !e.tracker.up || e.noAckUntil > 0) continue;
      const pacer = e.pacer;
      const rc = e.rc;
      const rate = e.openLoop ? 0 : rc.pacingRate;
      // No estimate yet (or open loop): the pace setting; then the measured rate, unbounded in datagrams.
      if (rate === 0) pacer.setRate(this.o.paceBytesPerMs, this.o.paceFramesPerMs);
      else pacer.setRate(rate, Number.POSITIVE_INFINITY);
      pacer.refill(now);
      while (pacer.open && this.mayTake(e)) {
        const q = e.lane.shift();
        if (q === undefined) break;
        pacer.take(q.frame.length);
        if (!e.openLoop) {
          // Registered before the send: on loopback the ACK can beat the send's callback.
          e.rtx.sending(q, now, rc.sent(q.frame.length, now, e.lane.queue.length === 0));
          if (this.o.atLeastOnce) this.unackedBytes += q.frame.length;
        }
        this.transmit(e, q, true);
      }
      if (e.lane.queue.length > 0 && this.mayTake(e)) waitMs = Math.min(waitMs, pacer.waitMs());
    }
    if (waitMs !== Number.POSITIVE_INFINITY) this.armPump(Math.max(1, Math.ceil(waitMs)));
  }

  /** The server may take another frame: open loop, or room in its window and its dedupe spread. */
  private mayTake(e: ServerEntry): boolean {
    return e.openLoop || (e.rc.open() && e.rtx.open);
  }

  /** One send of a frame (its first, or a resend); its buffer stays put until the callback. */
  private transmit(e: ServerEntry, q: QueuedFrame, first: boolean): void {
    this.inflight++;
    q.sending++;
    e.transport.send(q.frame, (err) => this.sent(e, q, first, err));
  }

  private sent(e: ServerEntry, q: QueuedFrame, first: boolean, err: Error | null): void {
    this.inflight--;
    q.sending--;
    const alo = this.o.atLeastOnce;
    if (err === null) {
      // Counted on its first successful send: at-least-once, a first send that failed
      // (ENOBUFS, ENOTCONN) and a resend that went are one frame sent.
      if (!q.counted) {
        q.counted = true;
        e.stats.framesSent++;
        e.stats.recordsSent += q.records;
        e.stats.bytesSent += q.frame.length;
        this.counts.sent += q.records;
        if (!alo) this.hold.progress(performance.now());
      }
      // At-most-once a sent frame is done with; at-least-once it is held until its ACK.
      if (!alo && first) this.release(q);
    } else {
      e.stats.sendErrors++;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED') e.tracker.refused();
      // At-most-once the records are gone. At-least-once the frame is resent on its
      // timeout, unless it can never go (too big for the path): then it is given up too.
      if (!alo) {
        this.forget(e, q);
        this.release(q);
        this.drop('send_failed', q.records);
      } else if (code === 'EMSGSIZE' && this.forget(e, q)) {
        this.releaseUnacked(q);
        this.drop('send_failed', q.records);
      }
      this.report(
        new ClientError('ERR_CLIENT_SEND', `sending to ${e.spec.name} failed: ${err.message}`, {
          cause: err,
        }),
      );
    }
    if (q.sending === 0 && q.freeAfterSend) {
      q.freeAfterSend = false;
      this.pool.give(q.backing);
    }
    this.settled();
  }

  /** A frame is done with (sent at-most-once, acknowledged, re-routed, dropped): its memory is free. */
  private release(q: QueuedFrame): void {
    this.held -= q.frame.length;
    // A send still pending owns the bytes: the buffer goes back when it ends.
    if (q.sending > 0) q.freeAfterSend = true;
    else this.pool.give(q.backing);
  }

  private settled(): void {
    if (this.needDrain && this.held - this.unackedBytes <= this.o.highWaterBytes >>> 1) {
      this.needDrain = false;
      this.emit('drain');
    }
    if (this.isIdle()) {
      this.hold.end();
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * Counts every record not delivered as dropped for `reason` and frees it: queued,
   * parked and, at-least-once, awaiting an ACK (at-most-once, sent frames are the
   * network's). Reported at once: the process may be about to end.
   */
  private abandon(reason: DropReason): number {
    let left = this.discard(this.parked);
    for (const e of this.entries) {
      left += this.discard(e.lane);
      for (const q of this.takeUnacked(e)) left += q.records;
    }
    if (left > 0) {
      this.drop(reason, left);
      this.flushDrops();
    }
    return left;
  }

  private discard(lane: Lane): number {
    const records = lane.queuedRecords + lane.openRecords;
    this.held -= lane.queuedBytes + lane.openBytes;
    lane.clear();
    return records;
  }

  private tick(): void {
    const now = performance.now();
    this.resendDue(now);
    let changed = false;
    for (const e of this.entries) if (this.judgeAcks(e, now)) changed = true;
    if (changed) this.ringChanged();
    if (this.hold.working) this.hold.update(now);
  }

  /**
   * Every 10 ms: at-least-once, resends frames whose timeout passed (to servers that
   * are up); at-most-once, gives up waiting for their ACKs. A timeout shrinks the window
   * only when no ACK at all came since the frame went out (see {@link RateControl}).
   */
  private resendDue(now: number): void {
    const alo = this.o.atLeastOnce;
    for (const e of this.entries) {
      if (!e.tracker.up || e.rtx.unacked.size === 0) continue;
      const rc = e.rc;
      if (!alo) {
        const before = e.rtx.unacked.size;
        e.rtx.expire(now, (u) => {
          rc.lost(u.q.frame.length);
          rc.timedOut(u.sentAt);
        });
        if (e.rtx.unacked.size !== before) {
          this.waitFrom(e);
          this.pump();
        }
        continue;
      }
      for (const u of e.rtx.due(now, (sentAt) => rc.timedOut(sentAt))) {
        rc.resent(u.q.frame.length);
        e.pacer.take(u.q.frame.length);
        this.transmit(e, u.q, false);
      }
    }
  }

  /** Stops waiting for a frame's ACK (its send failed); true if it was awaited. */
  private forget(e: ServerEntry, q: QueuedFrame): boolean {
    if (!e.rtx.forget(q.seq)) return false;
    e.rc.lost(q.frame.length);
    this.waitFrom(e);
    return true;
  }

  /**
   * Frames were given up: the wait for an ACK now dates from the oldest frame still
   * awaiting one (none: no wait). A lost ACK or a failed send must not make a healthy,
   * quiet server look like one that never ACKs.
   */
  private waitFrom(e: ServerEntry): void {
    const oldest = e.rtx.unacked.values().next().value;
    e.rc.ackWaitSince = oldest?.sentAt;
  }

  /**
   * Takes a server's frames awaiting an ACK out (it went down, or the client gives up):
   * at-least-once their memory is freed and they are returned, for re-routing or
   * counting; at-most-once they were the network's already.
   */
  private takeUnacked(e: ServerEntry): QueuedFrame[] {
    const taken = e.rtx.takeAll();
    e.rc.clearInflight();
    if (!this.o.atLeastOnce) return [];
    for (const q of taken) this.releaseUnacked(q);
    return taken;
  }

  /** At-least-once: a frame no longer awaits its ACK (acknowledged, given up, re-routed). */
  private releaseUnacked(q: QueuedFrame): void {
    this.unackedBytes -= q.frame.length;
    this.release(q);
  }

  /**
   * Resolves true once nothing is queued, in flight or awaiting an ACK; false at the
   * deadline. While awaited, the client holds the process (see {@link ProcessHold}).
   * `sooner` receives a function that brings the deadline nearer.
   */
  private whenIdle(
    timeoutMs: number | undefined,
    sooner?: (bring: (timeoutMs: number) => void) => void,
  ): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let deadline = Number.POSITIVE_INFINITY;
      let done = false;
      const finish = (idle: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const at = this.idleWaiters.indexOf(wake);
        if (at >= 0) this.idleWaiters.splice(at, 1);
        this.hold.wait(-1, performance.now());
        resolve(idle);
      };
      const wake = () => finish(true);
      const arm = (ms: number) => {
        const at = performance.now() + ms;
        if (at >= deadline) return;
        deadline = at;
        clearTimeout(timer);
        timer = setTimeout(() => finish(false), ms);
      };
      if (timeoutMs !== undefined) arm(timeoutMs);
      sooner?.(arm);
      this.idleWaiters.push(wake);
      this.hold.wait(1, performance.now());
    });
  }

  private isIdle(): boolean {
    return this.inflight === 0 && this.held === 0;
  }

  // --- health ----------------------------------------------------------------

  private healthTick(): void {
    if (this.released) return;
    this.ticks++;
    const now = performance.now();
    let changed = false;
    for (const e of this.entries) if (this.probe(e, now)) changed = true;
    if (changed) this.ringChanged();
  }

  /** Servers went in or out: the continuum is rebuilt, the records of those out move. */
  private ringChanged(): void {
    this.rebuild();
    for (const e of this.entries) if (!this.inRing(e)) this.reroute(e);
    this.pump();
  }

  /**
   * ACKs are a rate signal, never a permission. At-most-once, a server that has ACKed
   * nothing at all since frames first went to it, {@link NEVER_ACKED_RTTS} ping round
   * trips (at least {@link NEVER_ACKED_MS}) later, is sent open-loop at the `pace`
   * setting: a server that never ACKs is never waited on. One that stops ACKing for
   * `failureLimit` ping intervals while a PONG since proves it alive goes open-loop too.
   * Its first ACK makes the flow measured again. A `warning` says so, once.
   * At-least-once, a server silent that long cannot keep the promise: it leaves the
   * continuum (reason `no-ack`), its records go to servers that ACK, and it is tried
   * again after {@link NO_ACK_RETRY_MS}. Checked on every tick; true when the
   * continuum changes.
   */
  private judgeAcks(e: ServerEntry, now: number): boolean {
    if (e.noAckUntil > 0) {
      if (now < e.noAckUntil) return false;
      e.noAckUntil = 0;
      e.rc = this.newRateControl();
      if (!this.inRing(e)) return false;
      this.emit('up', { server: e.spec.name, reason: 'retry' });
      return true;
    }
    const since = e.rc.ackWaitSince;
    if (!e.tracker.up || e.openLoop || since === undefined) return false;
    const silentMs = this.o.failureLimit * this.o.pingIntervalMs;
    const alive = e.tracker.lastPongAt > since;
    const neverAcked =
      !this.o.atLeastOnce &&
      e.rc.delivered === 0 &&
      now - since >= Math.max(NEVER_ACKED_MS, NEVER_ACKED_RTTS * (e.tracker.rttMs ?? 0));
    if (!neverAcked && !(alive && now - since >= silentMs)) return false;
    const ms = Math.round(now - since);
    if (!this.o.atLeastOnce) {
      e.openLoop = true;
      this.takeUnacked(e); // at-most-once: forgets them, frees nothing
      this.schedulePump();
      if (!e.noAckWarned) {
        e.noAckWarned = true;
        this.report(
          new ClientError(
            'ERR_CLIENT_NO_ACK',
            `${e.spec.name} answers pings but sent no ACK for ${ms} ms: sending to it open-loop at the pace setting, its losses unseen`,
          ),
        );
      }
      return false;
    }
    e.noAckUntil = now + NO_ACK_RETRY_MS;
    const message = `answers pings but acknowledged nothing for ${ms} ms: at-least-once cannot be kept there; its records go to other servers, and it is tried again in ${NO_ACK_RETRY_MS / 1000} s`;
    this.emit('down', { server: e.spec.name, reason: 'no-ack', message });
    this.report(new ClientError('ERR_CLIENT_NO_ACK', `${e.spec.name} ${message}`));
    return true;
  }

  /** In the continuum: not down, and not out for sending no ACKs. */
  private inRing(e: ServerEntry): boolean {
    return e.tracker.state !== 'down' && e.noAckUntil === 0;
  }

  /**
   * The window's ceiling. At-least-once, frames in flight are held until their ACK, so
   * the window plus a producer's queue (up to highWaterBytes and a frame) must fit in
   * maxQueueBytes, or a producer that waits for 'drain' could still see drops.
   */
  private newRateControl(): RateControl {
    const o = this.o;
    const ceiling = o.atLeastOnce
      ? o.maxQueueBytes - o.highWaterBytes - 2 * o.maxDatagramBytes
      : o.maxQueueBytes >>> 1;
    return new RateControl(o.maxDatagramBytes, ceiling, performance.now());
  }

  /** Judges a server's last PING and sends the next; true when it went up or down. */
  private probe(e: ServerEntry, now: number): boolean {
    const verdict = e.tracker.tick(now);
    if (verdict.change === 'up') this.emit('up', { server: e.spec.name, reason: verdict.reason });
    if (verdict.change === 'down') {
      const reason = verdict.reason as HealthReason;
      this.emit('down', { server: e.spec.name, reason, message: this.downMessage(e, reason) });
      void e.transport.refresh();
    }
    if (e.transport.ready) {
      e.transport.send(Buffer.from(this.ping.encode(this.sender, verdict.pingId)), (err) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED') e.tracker.refused();
      });
    } else {
      void e.transport.refresh();
    }
    return verdict.change !== undefined;
  }

  private onMessage(e: ServerEntry, msg: Buffer): void {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(msg, { key: this.key });
    } catch (err) {
      if (err instanceof ProtocolError) return; // not ours, or forged: ignored
      throw err;
    }
    if (frame.sender !== this.sender) return;
    const now = performance.now();
    if (frame.kind === Kind.PONG) {
      const probing = e.tracker.state === 'probing';
      // Its first answer: the records routed to it while it was probing can go.
      if (e.tracker.pong(frame.seq, now) && probing) this.pump();
    } else if (frame.kind === Kind.ACK) {
      if (e.openLoop) {
        // It ACKs: a measured flow from here, from a fresh start.
        e.openLoop = false;
        e.rc = this.newRateControl();
      }
      const u = e.rtx.ack(frame.seq, now);
      if (u === undefined) return; // a repeat, or for a frame already re-routed or expired
      const q = u.q;
      e.rc.acked(q.frame.length, u.sample, u.tries === 1 ? now - u.sentAt : undefined, now);
      // At-most-once the frame was released when sent: the ACK is a rate signal.
      if (this.o.atLeastOnce) {
        this.hold.progress(now);
        this.counts.acked += q.records;
        this.releaseUnacked(q);
        this.settled();
      }
      if (e.lane.queue.length > 0) this.schedulePump();
    }
  }

  /** The continuum over the servers that are up; records parked while none was are routed now. */
  private rebuild(): void {
    // Probing servers are in: records route as they will once it answers, and wait for that.
    this.ringEntries = this.entries.filter((e) => this.inRing(e));
    const nodes = this.ringEntries.map((e) => ({ name: e.spec.name, weight: e.spec.weight }));
    this.ring = new Continuum(nodes, this.ketama, this.ring);
    this.cache.retire();
    this.lastEntry = undefined;
    if (this.ringEntries.length > 0) this.reroute(undefined);
  }

  /**
   * Moves a down server's records (or, with no entry, the parked ones) through the
   * continuum as it stands: those not yet sent and, at-least-once, those sent but not
   * acknowledged (the server may have written some: the one case where a record can
   * arrive twice). At-most-once, frames sent are the network's and stay so.
   */
  private reroute(from: ServerEntry | undefined): void {
    const lane = from === undefined ? this.parked : from.lane;
    const unacked = from === undefined ? [] : this.takeUnacked(from);
    if (lane.queue.length === 0 && lane.openRecords === 0 && unacked.length === 0) return;
    // Loops, not push(...): spreading 100k+ records as arguments overflows the stack.
    // The frames were released by takeUnacked; their bytes are read before anything reuses them.
    const records: LogRecord[] = [];
    for (const q of unacked) {
      for (const r of decodeFrame(q.frame, { copy: true, allowUnverified: true }).records) records.push(r);
    }
    const before = lane.queuedBytes + lane.openBytes;
    lane.drain(this.nextSeq(), records);
    this.held -= before;
    for (const r of records) {
      const entry = this.pick(r);
      this.append(entry === undefined ? this.parked : entry.lane, r);
    }
    if (this.ringEntries.length > 0) {
      this.counts.rerouted += records.length;
      this.emit('reroute', { from: from?.spec.name ?? null, records: records.length });
    }
  }

  // --- plumbing --------------------------------------------------------------

  private newLane(): Lane {
    return new Lane(this.sender, this.o.maxDatagramBytes, this.key, this.pool);
  }

  private newEntry(spec: ServerSpec, initial: HealthState): ServerEntry {
    const entry: ServerEntry = {
      spec,
      lane: this.newLane(),
      tracker: new PingTracker(this.o.failureLimit, randomInt(2 ** 32), initial),
      rtx: new Retransmit(),
      rc: this.newRateControl(),
      pacer: new Pacer(this.o.paceBytesPerMs, this.o.paceFramesPerMs, performance.now()),
      openLoop: false,
      noAckWarned: false,
      noAckUntil: 0,
      stats: { framesSent: 0, recordsSent: 0, bytesSent: 0, sendErrors: 0 },
      transport: undefined as unknown as UdpTransport,
    };
    entry.transport = new UdpTransport(spec, {
      message: (msg) => this.onMessage(entry, msg),
      ready: () => this.pump(),
      error: (err) => {
        if (err.code === 'ECONNREFUSED') entry.tracker.refused();
        else this.report(new ClientError('ERR_CLIENT_DNS', `${spec.name}: ${err.message}`, { cause: err }));
      },
    });
    return entry;
  }

  /** Why a server went down, for a person: a server that never answered may not take this client's key. */
  private downMessage(e: ServerEntry, reason: HealthReason): string {
    const at = `${e.transport.address ?? e.spec.host}:${e.spec.port}`;
    if (reason === 'refused') return `nothing listens at ${at} (ICMP port unreachable)`;
    const missed = `no answer to ${e.tracker.misses} pings at ${at}`;
    if (e.tracker.rttMs !== undefined) return missed;
    const keys =
      this.key === undefined
        ? 'This client sends no AUTH key, and a server started with --key-file ignores unsigned frames'
        : 'This client signs with an AUTH key, and a server with another key, or none, ignores its frames';
    return `${missed}, and none ever: is it running and reachable? ${keys}`;
  }

  private report(err: ClientError): void {
    // 'warning', not 'error': an 'error' event would reject a caller's `await once(clogs,
    // 'drain')` (events.once listens for 'error'), and an unheard one would crash the app.
    this.emit('warning', err);
  }

  /** Counts drops and reports them with the `drop` event, at most once a second per reason. */
  private drop(reason: DropReason, records: number): void {
    this.dropped[reason] += records;
    this.dropPending.set(reason, (this.dropPending.get(reason) ?? 0) + records);
    if (this.dropTimer === undefined) {
      this.flushDrops();
      this.dropTimer = setTimeout(() => {
        this.dropTimer = undefined;
        this.flushDrops();
      }, DROP_EVENT_MS).unref();
    }
  }

  private flushDrops(): void {
    for (const [reason, records] of this.dropPending) this.emit('drop', { reason, records });
    this.dropPending.clear();
  }
}

/** Wraps a protocol refusal as the client's typed error, keeping the field and the protocol's code. */
function toRecordError(err: unknown): ClientError {
  if (err instanceof ProtocolError) {
    return new ClientError('ERR_CLIENT_BAD_RECORD', `record refused: ${err.message}`, {
      cause: err,
      field: err.field,
      reason: err.code,
    });
  }
  return new ClientError('ERR_CLIENT_BAD_RECORD', `record refused: ${String(err)}`, { cause: err });
}

/** u32 sequence order with wrap-around. */
function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Makes a client and starts connecting and pinging its servers. */
export function createClient(options: ClientOptions): ClogsClient {
  return new ClogsClient(options);
}
