import { writeSync } from 'node:fs';
import {
  type ClientError,
  type ClogsClient,
  createClient,
  DrainGate,
  type LogSink,
  levelFromName,
  type RecordOptions,
} from '@clogs/client';
import TransportStream from 'winston-transport';
import { type ClogsWinstonOptions, resolveWinstonOptions } from './options.js';

/** winston exits 3 s after an uncaught exception: the client is closed within this, to report in time. */
const EXCEPTION_DEADLINE_MS = 2500;
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

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
 * printed on stderr), a borrowed one flushed. Also emits `'up'`, `'down'`, `'drop'` and `'warning'` from the client.
 */
export class ClogsTransport extends TransportStream {
  /** Records the client refused as malformed. */
  refused = 0;
  /** The client this transport logs through. */
  readonly client: LogSink;
  private readonly owned: ClogsClient | undefined;
  private readonly gate: DrainGate;
  private readonly fileKey: string | undefined;
  private readonly messageOnly: boolean;
  private deadlineMs: number;
  private readonly rec: RecordOptions = {};
  private ending: Promise<void> | undefined;

  constructor(options: ClogsWinstonOptions) {
    const o = resolveWinstonOptions(options);
    super(o.transport);
    this.owned = o.client === undefined ? undefined : createClient(o.client);
    this.client = this.owned ?? o.borrowed!;
    this.gate = new DrainGate(this.client, o.drainTimeoutMs);
    this.fileKey = o.fileKey;
    this.messageOnly = o.messageOnly;
    this.deadlineMs = o.closeTimeoutMs;
    for (const name of ['up', 'down', 'drop', 'reroute', 'warning']) {
      this.client.on(name, (payload: unknown) => this.emit(name, payload));
    }
  }

  override log(info: Info, next: () => void): void {
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
    let room = true;
    try {
      room = this.client.log(msg, rec);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_CLIENT_BAD_RECORD') throw err;
      this.refused++;
      this.emit('warn', err as ClientError);
    }
    if (this.listenerCount('logged') > 0) this.emit('logged', info);
    if (room) next();
    else this.gate.wait(next);
    // winston's exception handler logs the exception, then waits for this transport's
    // 'finish' for at most 3 s before process.exit(1): end now, within that time.
    if (info['exception'] === true && (this as { _ending?: boolean })._ending === true) {
      this.deadlineMs = Math.min(this.deadlineMs, EXCEPTION_DEADLINE_MS);
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
    this.ending ??= (async () => {
      if (this.owned === undefined) {
        await this.client.flush({ timeoutMs: this.deadlineMs });
        return;
      }
      const { undelivered } = await this.owned.close({ timeoutMs: this.deadlineMs });
      const dropped = this.owned.stats().dropped;
      this.emit('closed', { undelivered, refused: this.refused, dropped });
      const lost = Object.entries(dropped).filter(([, n]) => n > 0);
      if (this.refused > 0 || lost.length > 0) {
        // Said at once on stderr: at an exit nothing may listen any more.
        const reasons = lost.map(([reason, n]) => `${n} ${reason}`).join(', ');
        writeSync(
          2,
          `@clogs/winston: closed: ${this.refused} refused, ${lost.reduce((a, [, n]) => a + n, 0)} not delivered` +
            `${reasons === '' ? '' : ` (${reasons})`}\n`,
        );
      }
    })();
    return this.ending;
  }
}
