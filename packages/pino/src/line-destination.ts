import { Writable } from 'node:stream';
import type { DrainGate } from '@clogs/client';

/**
 * How much of a chunk is handed to the client before the worker yields to its event loop.
 * The client sends from timers and reads ACKs from its socket, neither of which runs while
 * a chunk is cut: thread-stream hands over up to 4 MiB at once (all of it at exit), and
 * cut in one go the server would sit idle through the cutting and the worker through the
 * sends. In slices the two overlap.
 */
const SLICE_CHARS = 64 * 1024;

/**
 * The stream pino's worker writes to: NDJSON text in chunks of any size (thread-stream
 * hands over whatever the app wrote since the last read, up to its 4 MiB buffer). Lines
 * are cut out with indexOf and handed to `take` one by one, a slice of the chunk at a
 * time; once the client is past its high-water mark the rest of the chunk waits for the
 * gate, and the chunk is acknowledged (its callback called) only once all of it is taken,
 * which is what makes thread-stream stop reading. No split2 and no object-mode Readable
 * (pino-abstract-transport's way): the worker's time is the transport's throughput,
 * and those cost it several times what indexOf does (bench/README.md, "Transports").
 */
export class LineDestination extends Writable {
  private partial = '';
  /** The chunk being cut, from {@link at}; its callback is {@link done}. */
  private text = '';
  private at = 0;
  private done: ((err?: Error | null) => void) | undefined;
  private readonly next = () => this.cut();

  constructor(
    /** Hands one line (no newline) to the client; false: past its high-water mark. */
    private readonly take: (line: string) => boolean,
    private readonly gate: DrainGate,
    /** Runs once, when the stream is destroyed (after `end()`, or on an error). */
    private readonly onClose: () => Promise<void>,
    /** Flushes the client (for thread-stream's flush). */
    private readonly flushSink: () => Promise<unknown>,
  ) {
    super({ decodeStrings: false });
  }

  /** thread-stream's `flush(cb)`: the lines written so far are handed over, then the client flushed. */
  flush(cb: (err?: Error | null) => void): void {
    const done = () => this.flushSink().then(() => cb(), cb);
    if (this.writableEnded) void done();
    else this.write('', () => void done());
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString();
    const nl = text.indexOf('\n');
    if (nl < 0) {
      this.partial += text;
      cb();
      return;
    }
    this.done = cb;
    this.text = text;
    this.at = 0;
    if (this.partial !== '') {
      const line = this.partial + text.slice(0, nl);
      this.partial = '';
      this.at = nl + 1;
      if (!this.takeOne(line)) return;
    }
    this.cut();
  }

  /** Hands `line` over; false when it threw (the chunk is then failed) or there is no room (resumed after the wait). */
  private takeOne(line: string): boolean {
    let room: boolean;
    try {
      room = this.take(line);
    } catch (err) {
      this.finish(err as Error);
      return false;
    }
    if (room || this.gate.stalled) return true;
    this.gate.wait(this.next);
    return false;
  }

  /** Takes the lines of the next slice of the chunk, then yields, waits for room, or ends the chunk. */
  private cut(): void {
    if (this.done === undefined) return;
    if (this.destroyed) {
      this.finish(null);
      return;
    }
    const text = this.text;
    let at = this.at;
    const stop = at + SLICE_CHARS;
    let room = true;
    try {
      for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
        if (nl > at) room = this.take(text.slice(at, nl));
        at = nl + 1;
        if (!room || at >= stop) break;
      }
    } catch (err) {
      this.finish(err as Error);
      return;
    }
    this.at = at;
    const more = text.indexOf('\n', at) >= 0;
    if (!room && !this.gate.stalled) this.gate.wait(more ? this.next : () => this.finish(null));
    else if (more) setImmediate(this.next);
    else this.finish(null);
  }

  /** Calls the chunk's callback, what follows its last newline kept for the next chunk. */
  private finish(err: Error | null): void {
    const cb = this.done;
    if (cb === undefined) return;
    if (err === null && this.at < this.text.length) this.partial += this.text.slice(this.at);
    this.done = undefined;
    this.text = '';
    cb(err);
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      if (this.partial !== '') this.take(this.partial);
      this.partial = '';
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.onClose().then(
      () => cb(err),
      (closeErr: unknown) => cb((err ?? closeErr) as Error),
    );
  }
}
