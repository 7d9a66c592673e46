import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ChildLogger } from './api/child-logger.js';
import type { Bindings } from './api/log-sink.js';
import { createLogStream, type LogStream, type LogStreamOptions } from './api/log-stream.js';
import { closedError } from './api/record-fields.js';
import { RecordIntake } from './api/record-intake.js';
import type { FrameLedger } from './batch/frame-ledger.js';
import type { MarkBook, MarkSettled } from './batch/mark-book.js';
import { makeParts } from './client-parts.js';
import type { ClientStats, DropReason, LogOptions, RecordCounts } from './client-types.js';
import { startDiscovery } from './discovery/discovery.js';
import { checkLive, type LiveOptions, pickLive } from './discovery/live-config.js';
import { ClientError } from './errors.js';
import type { DropReporter } from './events/drop-reporter.js';
import type { Fleet } from './fleet/fleet.js';
import type { Scheduler } from './lifetime/scheduler.js';
import { type ClientOptions, resolveOptions, resolveServers } from './options.js';
import type { ServerInput } from './server-spec.js';
import type { Spool } from './spool/spool.js';

/**
 * The clogs client. Make one with {@link createClient}.
 *
 * Events: `up` / `down` (`{ server, reason }`, `down` with a `message`), `reroute`
 * (`{ from, records }`), `drop` (`{ reason, records }`, at most once a second per
 * reason: see {@link DropReporter}), `drain` (the queue is below the high-water mark
 * again), `warning` (a {@link ClientError}: a send or DNS failure, a server that sends
 * no ACKs; never thrown). There is no `error` event: nothing the network does is an
 * error of the caller's.
 *
 * A facade over its layers: the {@link FrameLedger} holds the records, the {@link Fleet}
 * routes and sends them (one `ServerLink` per server), the {@link Scheduler} owns the
 * timers and what holds the process, the {@link DropReporter} counts and reports drops.
 */
export class ClogsClient extends EventEmitter {
  /** This client's random id, in every frame it sends. */
  readonly sender = randomInt(2 ** 32);
  /** The options a live config may change: replaced whole by {@link applyConfig}, never written into. */
  private live: LiveOptions;
  private readonly counts: RecordCounts = { accepted: 0, sent: 0, acked: 0, refused: 0, rerouted: 0 };
  private readonly scheduler: Scheduler;
  private readonly drops: DropReporter;
  private readonly ledger: FrameLedger;
  private readonly fleet: Fleet;
  private readonly discovery: ReturnType<typeof startDiscovery> | undefined;
  /** close() was called: log() refuses. */
  private closed = false;
  private closing: Promise<{ undelivered: number }> | undefined;
  /** Brings close()'s deadline nearer (a second close() with a shorter timeout). */
  private closeSooner: ((timeoutMs: number) => void) | undefined;
  /** Where log() hands each record (see {@link RecordIntake}). */
  private readonly intake: RecordIntake;
  /** The disk spool, with the `spool` option (see spool/spool.ts). */
  private readonly spool: Spool | undefined;
  /** The records' marks, with the `marks` option (see {@link mark}). */
  private readonly marks: MarkBook | undefined;

  /** @internal use {@link createClient} */
  constructor(options: ClientOptions) {
    super();
    const o = resolveOptions(options);
    this.live = pickLive(o);
    const parts = makeParts(o, {
      sender: this.sender,
      counts: this.counts,
      emit: (event, ...args) => this.emit(event, ...args),
      giveUp: (reason) => this.giveUp(reason),
    });
    ({
      scheduler: this.scheduler,
      drops: this.drops,
      ledger: this.ledger,
      fleet: this.fleet,
      spool: this.spool,
      marks: this.marks,
    } = parts);
    this.intake = new RecordIntake(parts, this.counts, o.redact);
    this.fleet.start();
    // What a previous process left goes first (servers probing: it waits for their answer).
    this.spool?.refill();
    // Discovery applies fleets through the fleet itself: it goes on while close() flushes
    // (records logged before the first fleet was read need it), when setServers() refuses.
    const target = {
      setServers: (servers: readonly ServerInput[]) => this.fleet.setServers(resolveServers(servers)),
      applyConfig: (live: LiveOptions) => this.applyConfig(live),
      emit: (event: string, ...args: unknown[]) => this.emit(event, ...args),
    };
    this.discovery = o.discovery && startDiscovery(o.discovery, target, this.live);
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
    if (this.closed) throw closedError();
    return this.intake.take(msg, options, this.live);
  }

  /**
   * Applies options a live config changes (discovery's `/clogs/<cluster>/config`): all
   * are checked first, then each component is handed its new value; records logged
   * from now on see them. Nothing writes into the options the client was built with.
   * @throws {ClientError} `ERR_CLIENT_BAD_OPTION` for a bad value; then nothing applies.
   */
  applyConfig(next: LiveOptions): void {
    checkLive(next);
    this.live = pickLive(next);
    this.fleet.router.setRoute(next.route);
    this.scheduler.setFlushInterval(next.flushIntervalMs);
    this.ledger.setOnFull(next.onFull);
  }

  /**
   * Sends everything queued; resolves once every record is handed to the network (or,
   * with `timeoutMs`, when that time is up: then false). Waits while no server is up.
   */
  flush(options?: { timeoutMs?: number }): Promise<boolean> {
    this.ledger.sealAll();
    this.fleet.pump();
    return this.scheduler.whenIdle(this.ledger.idle, options?.timeoutMs);
  }

  /**
   * A mark after every record logged so far: resolves once each of them is done with:
   * acknowledged (at-least-once), sent (at-most-once), or dropped (then counted in
   * `stats().dropped` and reported by `drop`). Marks resolve in the order made, without
   * waiting for the records logged after them, with the records accepted before the mark
   * and those dropped so far: a checkpoint that follows the delivery (clogs-cli --follow
   * moves its file offsets with them), moved only while `dropped` stands still.
   * @throws {ClientError} `ERR_CLIENT_BAD_OPTION` without the `marks` option.
   */
  mark(): Promise<MarkSettled> {
    if (this.marks === undefined)
      throw new ClientError('ERR_CLIENT_BAD_OPTION', 'mark() needs the marks option');
    return this.marks.mark(this.counts.accepted);
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
    // Health checks go on meanwhile: a server that dies now is taken out and its
    // records re-routed; one that comes back takes the parked ones.
    this.ledger.sealAll();
    this.fleet.pump();
    const flushed = this.scheduler.whenIdle(this.ledger.idle, timeoutMs, (sooner) => {
      this.closeSooner = sooner;
    });
    this.closing = flushed.then(() => {
      void this.discovery?.close();
      this.scheduler.stop();
      this.fleet.close();
      const undelivered = this.giveUp('closed');
      this.drops.reportNow();
      return { undelivered };
    });
    return this.closing;
  }

  /** A view with bound defaults, sharing this client (see {@link ChildLogger}). */
  child(bindings: Bindings): ChildLogger {
    return new ChildLogger(this, bindings);
  }

  /** A `Writable` over this client: one line (or, `objectMode`, one object) one record (see {@link LogStream}). */
  stream(options?: LogStreamOptions): LogStream {
    return createLogStream(this, options);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The server a route key maps to now (`sys_id/file_name` for the default route), or undefined when none is up. */
  route(key: string): string | undefined {
    return this.fleet.router.route(key)?.spec.name;
  }

  /**
   * Replaces the server list. Servers are matched by name: kept ones keep their state,
   * new ones join, removed ones leave (their queued records are re-routed). Only keys
   * of added or removed servers move.
   */
  setServers(servers: readonly ServerInput[]): void {
    if (this.closed) throw new ClientError('ERR_CLIENT_CLOSED', 'setServers() after close()');
    this.fleet.setServers(resolveServers(servers));
  }

  stats(): ClientStats {
    const parked = this.ledger.parked;
    return {
      ...this.counts,
      dropped: { ...this.drops.dropped },
      queuedBytes: this.ledger.held,
      parkedRecords: parked.queuedRecords + parked.openRecords,
      servers: this.fleet.states(),
      discovery: this.discovery?.state(),
      spool: this.spool?.snapshot(),
    };
  }

  /**
   * Counts every record not delivered as dropped for `reason` and frees it: queued,
   * parked and, at-least-once, awaiting an ACK (at-most-once, sent frames are the
   * network's). Reported at once: the process may be about to end.
   */
  private giveUp(reason: DropReason): number {
    const left = this.ledger.clearAll() + this.fleet.takeAllUnacked();
    // With a spool they are not lost: they stay on disk for the next client on its folder.
    if (this.spool !== undefined) {
      this.spool.stop();
      return reason === 'closed' ? this.spool.close() : left;
    }
    if (left > 0) {
      this.drops.drop(reason, left);
      this.drops.reportNow();
    }
    // Given up is dropped (counted above): marks waiting on those records settle.
    this.marks?.abandon();
    return left;
  }
}

/** Makes a client and starts connecting and pinging its servers. */
export function createClient(options: ClientOptions): ClogsClient {
  return new ClogsClient(options);
}
