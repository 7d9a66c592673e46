import type { LogRecord, LogRecordInput } from '@clogs/protocol';
import { spanSegments } from '../batch/lane.js';
import type { ServerState } from '../client-types.js';
import { ClientError } from '../errors.js';
import type { TimerSlot } from '../lifetime/scheduler.js';
import type { LinkContext } from '../link/link-context.js';
import { ServerLink } from '../link/server-link.js';
import type { ServerSpec } from '../server-spec.js';
import { SocketPool } from '../transport/socket-pool.js';
import { Router } from './router.js';

/** PINGs sent at once, at least; see {@link Fleet.healthTick}. */
const PINGS_PER_SLICE = 64;

/**
 * The client's servers, as kafkajs' broker pool: one {@link ServerLink} each, the
 * {@link Router} over those in the continuum, and what follows when the set changes: a
 * server going down or up (the continuum is rebuilt without it, or with it, and records
 * move), a server list replaced by `setServers()`, records parked while no server is up.
 */
export class Fleet {
  links: ServerLink[];
  readonly router: Router<ServerLink>;
  private readonly ctx: LinkContext;
  /** Health ticks so far. */
  private ticks = 0;
  /** The links of the health tick under way, the next to ping, and how many a slice pings. */
  private round: readonly ServerLink[] = [];
  private roundAt = 0;
  private perSlice = PINGS_PER_SLICE;
  private readonly slices: TimerSlot;
  private closed = false;

  constructor(shared: Omit<LinkContext, 'sockets' | 'ringChanged'>) {
    const sockets = new SocketPool((err, family) => {
      const text = `the client's shared udp${family} socket: ${err.message}`;
      shared.events.emit('warning', new ClientError('ERR_CLIENT_SOCKET', text, { cause: err }));
    });
    this.ctx = { ...shared, sockets, ringChanged: () => this.ringChanged() };
    this.router = new Router(shared.o.route, shared.o.routeCacheSize);
    this.slices = shared.scheduler.slot(() => shared.scheduler.afterIo(() => this.probeSlice()));
    this.links = shared.o.servers.map((spec) => new ServerLink(spec, 'probing', this.ctx));
    this.rebuild();
  }

  /** Connects the sockets; the first PINGs go once they are. */
  start(): void {
    void Promise.all(this.links.map((l) => l.transport.refresh())).then(() => {
      // Unless the interval got there first (slow DNS): a second tick now would judge
      // pings sent a moment ago as missed.
      if (this.ticks === 0) this.healthTick();
    });
  }

  /**
   * Queues a record for `link` and gets it on its way: a full frame at once, a partial
   * one after flushIntervalMs. With no link it is parked until a server is up. `seg`: the
   * record's tag, with a spool (its segment) or marks (its group).
   */
  enqueue(link: ServerLink | undefined, rec: LogRecordInput, seg?: number): void {
    const { ledger, scheduler } = this.ctx;
    if (link === undefined) ledger.append(ledger.parked, rec, seg);
    else if (ledger.append(link.lane, rec, seg)) scheduler.armPump(0);
    else scheduler.armFlush();
  }

  /** The server named `name` while it is in the continuum, else the routed one. */
  pinned(name: string, rec: LogRecordInput): ServerLink | undefined {
    const link = this.links.find((l) => l.spec.name === name);
    return link?.inRing ? link : this.router.pick(rec);
  }

  /** Sends what each server's pacer and window allow, then waits until a pacer has room again. */
  pump(): void {
    const now = performance.now();
    let waitMs = Number.POSITIVE_INFINITY;
    for (const link of this.links) {
      const ms = link.pump(now);
      if (ms < waitMs) waitMs = ms;
    }
    if (waitMs !== Number.POSITIVE_INFINITY) this.ctx.scheduler.armPump(Math.max(1, Math.ceil(waitMs)));
  }

  /**
   * Every ping interval: judges each server's last PING and sends the next, in slices
   * of at least {@link PINGS_PER_SLICE} a millisecond apart, all within half the
   * interval: a big fleet's PONGs then come spread out, not in one burst onto the shared
   * socket, whose receive buffer holds about a thousand of them.
   */
  healthTick(): void {
    if (this.closed) return;
    this.ticks++;
    this.round = this.links;
    this.roundAt = 0;
    const o = this.ctx.o;
    this.perSlice = Math.max(
      PINGS_PER_SLICE,
      Math.ceil(this.round.length / Math.max(1, o.pingIntervalMs / 2)),
    );
    this.probeSlice();
  }

  private probeSlice(): void {
    const round = this.round;
    const end = Math.min(this.roundAt + this.perSlice, round.length);
    const now = performance.now();
    let changed = false;
    for (let i = this.roundAt; i < end; i++) if (round[i]!.probe(now)) changed = true;
    this.roundAt = end;
    if (end < round.length) this.slices.rearm(1);
    if (changed) this.ringChanged();
  }

  /** Every 10 ms: resends and ACK expiry, and servers that send no ACKs. */
  tick(now: number): void {
    for (const link of this.links) link.resendDue(now);
    let changed = false;
    for (const link of this.links) if (link.judgeAcks(now)) changed = true;
    if (changed) this.ringChanged();
  }

  /** Resolves the server names again. */
  refreshDns(): void {
    for (const link of this.links) void link.transport.refresh();
  }

  /**
   * Replaces the server list. Servers are matched by name: kept ones keep their state,
   * new ones join once they answer a PING (into an empty fleet: probing, as a start
   * list), removed ones leave (their records are re-routed). Only keys of added or
   * removed servers move.
   */
  setServers(specs: readonly ServerSpec[]): void {
    const byName = new Map(this.links.map((l) => [l.spec.name, l]));
    // The first fleet (discovery's first read) is a start list: every server probing, in
    // the continuum, so records wait for their own server and none takes the others'
    // keys by answering first. Later ones join the continuum on their first PONG.
    const initial = this.links.length === 0 ? 'probing' : 'down';
    const next: ServerLink[] = [];
    for (const spec of specs) {
      const old = byName.get(spec.name);
      if (old !== undefined && old.spec.host === spec.host && old.spec.port === spec.port) {
        byName.delete(spec.name);
        old.spec = spec;
        next.push(old);
      } else {
        // New, or a known name at a new address: it joins once it has answered a ping.
        const fresh = new ServerLink(spec, initial, this.ctx);
        fresh.onJoin = () => {
          if (!this.closed && this.links.includes(fresh)) this.ringChanged();
        };
        void fresh.transport.refresh().then(() => {
          if (!this.closed && this.links.includes(fresh)) fresh.probe(performance.now());
        });
        next.push(fresh);
      }
    }
    this.links = next;
    this.rebuild();
    for (const gone of byName.values()) {
      this.reroute(gone);
      gone.close();
      if (gone.laneIfAny !== undefined) this.ctx.ledger.retire(gone.laneIfAny);
    }
    this.pump();
  }

  /** Gives up every frame awaiting an ACK (at-least-once); returns their records. */
  takeAllUnacked(): number {
    let records = 0;
    for (const link of this.links) for (const q of link.takeUnacked()) records += q.records;
    return records;
  }

  states(): ServerState[] {
    const shares = this.router.shares();
    const index = new Map(this.router.members.map((m, i) => [m, i]));
    return this.links.map((l) => l.state(shares[index.get(l) ?? -1] ?? 0));
  }

  close(): void {
    this.closed = true;
    for (const link of this.links) link.close();
    this.ctx.sockets.close();
  }

  /** Servers went in or out: the continuum is rebuilt, the records of those out move. */
  private ringChanged(): void {
    if (this.closed) return;
    this.rebuild();
    for (const link of this.links) if (!link.inRing) this.reroute(link);
    this.pump();
  }

  /** The continuum over the servers in it; records parked while none was are routed now. */
  private rebuild(): void {
    // Probing servers are in: records route as they will once it answers, and wait for that.
    this.router.rebuild(this.links.filter((l) => l.inRing));
    if (this.router.members.length > 0) this.reroute(undefined);
  }

  /**
   * Moves a down server's records (or, with no server, the parked ones) through the
   * continuum as it stands: those not yet sent and, at-least-once, those sent but not
   * acknowledged (the server may have written some: the one case where a record can
   * arrive twice). At-most-once, frames sent are the network's and stay so.
   */
  private reroute(from: ServerLink | undefined): void {
    const ledger = this.ctx.ledger;
    const unacked = from === undefined ? [] : from.takeUnacked();
    // A server that never had a record has no lane, and nothing to move.
    const lane = from === undefined ? ledger.parked : unacked.length > 0 ? from.lane : from.laneIfAny;
    if (lane === undefined) return;
    if (lane.queue.length === 0 && lane.openRecords === 0 && unacked.length === 0) return;
    // Loops, not push(...): spreading 100k+ records as arguments overflows the stack.
    // The frames were freed by takeUnacked; their bytes are read (unsealed) before anything reuses them.
    const records: LogRecord[] = [];
    // With a spool or marks, each record's tag goes with it (one per record, in the same order).
    const segs = ledger.tracker === undefined ? undefined : ([] as number[]);
    for (const q of unacked) {
      this.ctx.sealer.records(q, records);
      if (segs !== undefined) spanSegments(q.spans, segs);
    }
    ledger.drain(lane, records, segs);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.enqueue(this.router.pick(r), r, segs?.[i]);
    }
    if (this.router.members.length > 0) {
      this.ctx.counts.rerouted += records.length;
      this.ctx.events.emit('reroute', { from: from?.spec.name ?? null, records: records.length });
    }
  }
}
