import { Writable } from 'node:stream';
import { ClientError } from '../errors.js';
import { BoundFields } from './bound-fields.js';
import { DrainGate } from './drain-gate.js';
import { levelFromPino } from './level-bands.js';
import type { Bindings, LogSink, RecordOptions } from './log-sink.js';
import { type PinoHead, pinoTimeUs, readPinoHead } from './pino-line.js';

export interface LogStreamOptions extends Bindings {
  /** Take records as objects (`{ msg, level, fileName, … }`) instead of lines. Default false. */
  objectMode?: boolean | undefined;
  /**
   * How long a write waits for the client's `'drain'` when it is past its high-water mark
   * before going on without (see {@link DrainGate}). Default 1,000 ms.
   */
  drainTimeoutMs?: number | undefined;
  /** The stream's own buffer (Node's `highWaterMark`): bytes, or records in object mode. */
  highWaterMark?: number | undefined;
}

/** What the object-mode stream takes: the message and any per-record field. */
export interface StreamRecord extends RecordOptions {
  msg: string | Uint8Array;
}

const PINO_METADATA = Symbol.for('pino.metadata');
const NL = 0x0a;
const CR = 0x0d;

/**
 * A `Writable` over a client. Line mode (default): one line, one record (a trailing
 * `\r` is dropped; an unterminated last line is sent at `end()`); strings and bytes.
 * Object mode: one object, one record. A record the client refuses is counted in
 * `refused` and reported as a `'warning'` event (a process warning when nobody listens);
 * the stream goes on. Past the client's high-water mark a write waits for its `'drain'`;
 * `end()` flushes the client. pino sets `lastLevel`/`lastTime` before each write
 * (`Symbol.for('pino.metadata')`), so `pino(client.stream())` gets levels unparsed.
 */
export class LogStream extends Writable {
  /** Records the client refused as malformed. */
  refused = 0;
  /** Set by pino before each write (pino.metadata). */
  lastLevel: unknown;
  lastTime: unknown;
  lastMsg: unknown;
  lastObj: unknown;
  lastLogger: unknown;
  readonly [PINO_METADATA]: boolean;
  private readonly gate: DrainGate;
  private partial = '';
  private partialBytes: Buffer | undefined;
  private readonly perRecord: RecordOptions = {};
  private readonly head: PinoHead = { level: -1, timeUs: -1 };

  /** @internal use `client.stream()` */
  constructor(
    private readonly sink: LogSink,
    private readonly fields: BoundFields,
    options: LogStreamOptions,
  ) {
    const objectMode = options.objectMode === true;
    super({
      objectMode,
      decodeStrings: false,
      ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    });
    this[PINO_METADATA] = !objectMode;
    this.gate = new DrainGate(sink, options.drainTimeoutMs ?? 1000);
  }

  /** pino's `logger.flush(cb)`: everything written so far is delivered (or the client gave up). */
  flush(cb?: (err?: Error | null) => void): void {
    const done = () => this.sink.flush().then(() => cb?.(), cb);
    if (this.writableEnded) void done();
    else this.write(this.writableObjectMode ? FLUSH_MARK : '', () => void done());
  }

  override _write(chunk: unknown, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    let room: boolean;
    try {
      if (this.writableObjectMode) room = chunk === FLUSH_MARK || this.object(chunk);
      else if (typeof chunk === 'string' && (encoding === 'utf8' || encoding === 'utf-8'))
        room = this.text(chunk, this.lastLevel !== undefined && this.writableLength === chunk.length);
      else room = this.bytes(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Buffer));
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (room) cb();
    else this.gate.wait(cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      if (this.partialBytes !== undefined) this.line(this.partialBytes, false);
      else if (this.partial !== '') this.line(this.partial, false);
      this.partial = '';
      this.partialBytes = undefined;
    } catch (err) {
      cb(err as Error);
      return;
    }
    this.sink.flush().then(() => cb(), cb);
  }

  /** `fresh`: pino's metadata describes this chunk (nothing written since is waiting behind it). */
  private text(text: string, fresh: boolean): boolean {
    if (this.partialBytes !== undefined) {
      this.partial = this.partialBytes.toString();
      this.partialBytes = undefined;
    }
    let room = true;
    let at = 0;
    let nl = text.indexOf('\n');
    if (this.partial !== '') {
      if (nl < 0) {
        this.partial += text;
        return true;
      }
      room = this.line(this.partial + text.slice(0, nl), false);
      this.partial = '';
      at = nl + 1;
      nl = text.indexOf('\n', at);
    }
    for (; nl >= 0; at = nl + 1, nl = text.indexOf('\n', at)) {
      const end = nl > at && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (!this.line(text.slice(at, end), fresh)) room = false;
    }
    if (at < text.length) this.partial = text.slice(at);
    return room;
  }

  private bytes(buf: Buffer): boolean {
    if (this.partial !== '') {
      this.partialBytes = Buffer.from(this.partial);
      this.partial = '';
    }
    let room = true;
    let at = 0;
    let nl = buf.indexOf(NL);
    if (this.partialBytes !== undefined) {
      if (nl < 0) {
        this.partialBytes = Buffer.concat([this.partialBytes, buf]);
        return true;
      }
      const joined = Buffer.concat([this.partialBytes, buf.subarray(0, nl)]);
      this.partialBytes = undefined;
      room = this.line(joined.at(-1) === CR ? joined.subarray(0, -1) : joined, false);
      at = nl + 1;
      nl = buf.indexOf(NL, at);
    }
    for (; nl >= 0; at = nl + 1, nl = buf.indexOf(NL, at)) {
      const end = nl > at && buf[nl - 1] === CR ? nl - 1 : nl;
      if (!this.line(buf.subarray(at, end), false)) room = false;
    }
    if (at < buf.length) this.partialBytes = buf.subarray(at);
    return room;
  }

  private line(msg: string | Buffer, fresh: boolean): boolean {
    let level = -1;
    let timeUs = -1;
    if (fresh) {
      if (typeof this.lastLevel === 'number') level = this.lastLevel;
      if (typeof this.lastTime === 'string') timeUs = pinoTimeUs(this.lastTime);
    } else if (this.lastLevel !== undefined && typeof msg === 'string' && readPinoHead(msg, this.head)) {
      // Written by pino, but more lines came since: its metadata is a later line's.
      level = this.head.level;
      timeUs = this.head.timeUs;
    }
    if (level < 0 && timeUs < 0) return this.record(msg, this.fields.bound);
    const r = this.perRecord;
    r.level = level < 0 ? undefined : levelFromPino(level);
    r.timeUs = timeUs < 0 ? undefined : timeUs;
    return this.record(msg, this.fields.apply(r));
  }

  private object(rec: unknown): boolean {
    if (typeof rec !== 'object' || rec === null) {
      this.refuse(
        new ClientError('ERR_CLIENT_BAD_RECORD', `a record must be an object with msg, not ${String(rec)}`, {
          field: 'msg',
        }),
      );
      return true;
    }
    return this.record((rec as StreamRecord).msg, this.fields.apply(rec as StreamRecord));
  }

  private record(msg: string | Uint8Array, options: RecordOptions): boolean {
    try {
      return this.sink.log(msg, options);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_CLIENT_BAD_RECORD') throw err;
      this.refuse(err as ClientError);
      return true;
    }
  }

  private refuse(err: ClientError): void {
    this.refused++;
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
    else process.emitWarning(err);
  }
}

/** Written by `flush()` in object mode to learn when what was written before is through. */
const FLUSH_MARK = Object.freeze({ flush: true });

/** A stream over `sink`, with `options`' fields bound over `base`'s (a child's). */
export function createLogStream(
  sink: LogSink,
  options: LogStreamOptions = {},
  base?: BoundFields,
): LogStream {
  return new LogStream(sink, new BoundFields(options, base), options);
}
