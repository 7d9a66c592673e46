import { writeSync } from 'node:fs';
import { describeClose, type LogSink, levelFromName, type RecordOptions, TransportKit } from '@clogs/client';
import TransportStream from 'winston-transport';
import { type ClogsWinstonOptions, resolveWinstonOptions } from './options.js';

/** winston exits 3 s after an uncaught exception: the client is closed within this, to report in time. */
const EXCEPTION_DEADLINE_MS = 2500;
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');
const nothing = () => {};

/** What winston hands a transport: its fields, the level and formatted line under triple-beam's symbols. */
type Info = Record<string | symbol, unknown>;

/**
 * winston's transport for clogs: `new ClogsTransport({ servers, defaults })`. Each info
 * object becomes one record: the line winston's format made (or `info.message`), the
 * level mapped by name (npm and syslog sets), the time from `info.timestamp` when a
 * `timestamp()` format set one. A record the client refuses is counted in `refused` and
 * emitted as a `'warn'` event (winston passes it on to the logger's); nothing is thrown.
 * Past the client's high-water mark a record waits for its `'drain'`. `logger.end()`
 * ends the transport: an owned client is closed within `closeTimeoutMs` (what was lost is
 * printed on stderr), a borrowed one flushed. Also emits `'up'`, `'down'`, `'drop'`,
 * `'reroute'` and `'warning'` from the client, and `'closed'` with what the end delivered.
 */
export class ClogsTransport extends TransportStream {
  /** The client this transport logs through. */
  readonly client: LogSink;
  private readonly kit: TransportKit;
  private readonly fileKey: string | undefined;
  private readonly messageOnly: boolean;
  private readonly rec: RecordOptions = {};
  private ending: Promise<void> | undefined;

  constructor(options: ClogsWinstonOptions) {
    const o = resolveWinstonOptions(options);
    super(o.transport);
    this.kit = new TransportKit({
      client: o.client,
      borrowed: o.borrowed,
      closeTimeoutMs: o.closeTimeoutMs,
      drainTimeoutMs: o.drainTimeoutMs,
      relay: (name, payload) => this.emit(name, payload),
      onRefused: (err) => this.emit('warn', err),
    });
    this.client = this.kit.sink;
    this.fileKey = o.fileKey;
    this.messageOnly = o.messageOnly;
  }

  /** Records the client refused as malformed. */
  get refused(): number {
    return this.kit.refused;
  }

  /** winston's contract: `next` is optional (a caller may log an info object directly). */
  override log(info: Info, next: () => void = nothing): void {
    const rec = this.rec;
    const level = info[LEVEL] ?? info['level'];
    rec.level = typeof level === 'string' ? levelFromName(level) : undefined;
    const stamp = info['timestamp'];
    const ms = typeof stamp === 'string' ? Date.parse(stamp) : typeof stamp === 'number' ? stamp : Number.NaN;
    rec.timeUs = Number.isFinite(ms) && ms >= 0 ? Math.round(ms * 1000) : undefined;
    if (this.fileKey !== undefined) {
      const file = info[this.fileKey];
      rec.fileName = typeof file === 'string' ? file : undefined;
    }
    const line = this.messageOnly ? undefined : info[MESSAGE];
    const msg = typeof line === 'string' ? line : String(info['message'] ?? '');
    const room = this.kit.log(msg, rec);
    if (this.listenerCount('logged') > 0) this.emit('logged', info);
    if (room) next();
    else this.kit.gate.wait(next);
    // winston's exception handler logs the exception, then waits for this transport's
    // 'finish' for at most 3 s before process.exit(1): end now, within that time.
    if (info['exception'] === true && (this as { _ending?: boolean })._ending === true) {
      this.kit.shortenClose(EXCEPTION_DEADLINE_MS);
      setImmediate(() => this.end());
    }
  }

  /** winston calls it when the transport is removed from its logger: ends the client as the end does. */
  override close(): void {
    void this.end_();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.end_().then(() => cb(), cb);
  }

  /** Closes an owned client (within closeTimeoutMs), flushes a borrowed one; reports what was lost. */
  private end_(): Promise<void> {
    this.ending ??= this.kit.close().then((summary) => {
      this.emit('closed', summary);
      const line = describeClose(summary);
      if (line !== undefined) writeSync(2, `@clogs/winston: ${line}\n`);
    });
    return this.ending;
  }
}
