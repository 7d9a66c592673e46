import { type ClogsClient, createClient } from '../client.js';
import type { DropReason } from '../client-types.js';
import { ClientError } from '../errors.js';
import type { ClientOptions } from '../options.js';
import { DrainGate } from './drain-gate.js';
import type { LogSink, RecordOptions } from './log-sink.js';

/** The client's events a transport passes on to its logger's side. */
export const TRANSPORT_EVENTS = ['up', 'down', 'drop', 'reroute', 'warning'] as const;
export type TransportEvent = (typeof TRANSPORT_EVENTS)[number];

export interface TransportKitOptions {
  /** Options of a client the kit makes and owns: closed when the transport closes. */
  client?: ClientOptions | undefined;
  /** Or a client lent by the app (a `child()`, the test double): flushed at close, never closed. */
  borrowed?: LogSink | undefined;
  /** How long close() waits for records to be delivered before giving them up. */
  closeTimeoutMs: number;
  /** How long a record waits for the client's `'drain'` before going on without. */
  drainTimeoutMs: number;
  /** Passes one of the client's events on (to the logger, to pino's main thread). */
  relay: (name: TransportEvent, payload: unknown) => void;
  /** Told of each record the client refused, once it is counted. */
  onRefused: (err: ClientError) => void;
}

/** What a transport's close() delivered and lost: the `'closed'` event's payload. */
export interface TransportCloseSummary {
  /** Records still queued or unacknowledged at the deadline (an owned client; 0 for a borrowed one). */
  undelivered: number;
  /** Records the client refused as malformed. */
  refused: number;
  /** An owned client's drops by reason; a borrowed client's are its owner's to report. */
  dropped: Record<DropReason, number> | undefined;
  /** Records an owned client took. */
  accepted: number | undefined;
}

/**
 * What every clogs transport for another logger does the same way, so that pino's and
 * winston's differ only in how they read their logger's records: the client, owned
 * (made from options, closed at the end) or borrowed (flushed, left open); its events
 * passed on; a refused record counted and reported, never thrown into the logger; the
 * wait for room; and the summary of what the close delivered and lost.
 */
export class TransportKit {
  /** The client records go through. */
  readonly sink: LogSink;
  /** Waits for room when {@link log} returns false. */
  readonly gate: DrainGate;
  private readonly owned: ClogsClient | undefined;
  private readonly onRefused: (err: ClientError) => void;
  private refusedCount = 0;
  private closing: Promise<TransportCloseSummary> | undefined;
  private closeTimeoutMs: number;

  constructor(o: TransportKitOptions) {
    this.owned = o.client === undefined ? undefined : createClient(o.client);
    const sink = this.owned ?? o.borrowed;
    if (sink === undefined) {
      throw new ClientError('ERR_CLIENT_BAD_OPTION', 'a transport needs client options or a client');
    }
    this.sink = sink;
    this.gate = new DrainGate(sink, o.drainTimeoutMs);
    this.closeTimeoutMs = o.closeTimeoutMs;
    this.onRefused = o.onRefused;
    for (const name of TRANSPORT_EVENTS) sink.on(name, (payload: unknown) => o.relay(name, payload));
  }

  /** Records the client refused as malformed. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Whether the kit made the client (and closes it) rather than borrowed it. */
  get ownsClient(): boolean {
    return this.owned !== undefined;
  }

  /**
   * Hands one record to the client; false: past its high-water mark, wait on {@link gate}.
   * A record the client refuses is counted and reported, and true returned: the logger goes
   * on. Any other error (`ERR_CLIENT_CLOSED`) is thrown.
   */
  log(msg: string | Uint8Array, options?: RecordOptions): boolean {
    try {
      return this.sink.log(msg, options);
    } catch (err) {
      if (!(err instanceof ClientError) || err.code !== 'ERR_CLIENT_BAD_RECORD') throw err;
      this.refusedCount++;
      this.onRefused(err);
      return true;
    }
  }

  /** Brings the close's deadline nearer, for a close() not yet begun (winston's exit after an exception). */
  shortenClose(timeoutMs: number): void {
    this.closeTimeoutMs = Math.min(this.closeTimeoutMs, timeoutMs);
  }

  /**
   * Closes an owned client within closeTimeoutMs, or flushes a borrowed one within it.
   * Runs once: a second call has the first's summary.
   */
  close(): Promise<TransportCloseSummary> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<TransportCloseSummary> {
    const timeoutMs = this.closeTimeoutMs;
    if (this.owned === undefined) {
      await this.sink.flush({ timeoutMs });
      return { undelivered: 0, refused: this.refusedCount, dropped: undefined, accepted: undefined };
    }
    const { undelivered } = await this.owned.close({ timeoutMs });
    const stats = this.owned.stats();
    return { undelivered, refused: this.refusedCount, dropped: stats.dropped, accepted: stats.accepted };
  }
}

/**
 * The line a transport prints at close when something was refused or not delivered
 * (`closed: 20000 records taken, 0 refused, 20000 not delivered (20000 closed)`);
 * undefined when nothing was lost. Printed, not only emitted: at an exit nothing may
 * listen any more.
 */
export function describeClose(s: TransportCloseSummary): string | undefined {
  const lost = Object.entries(s.dropped ?? {}).filter(([, n]) => n > 0);
  const notDelivered = lost.reduce((sum, [, n]) => sum + n, 0);
  if (s.refused === 0 && notDelivered === 0) return undefined;
  const taken = s.accepted === undefined ? '' : `${s.accepted} records taken, `;
  const reasons = lost.map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `closed: ${taken}${s.refused} refused, ${notDelivered} not delivered${reasons === '' ? '' : ` (${reasons})`}`;
}
