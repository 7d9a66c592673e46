import { Writable } from 'node:stream';
import type { DrainGate } from '@clogs/client';

/**
 * The stream pino's worker writes to: NDJSON text in chunks of any size (thread-stream
 * hands over whatever the app wrote since the last read, up to its 4 MiB buffer). Lines
 * are cut out with indexOf and handed to `take` one by one; a chunk whose lines filled the
 * client is acknowledged (its callback called) only once the gate opens, which is what
 * makes thread-stream stop reading. No split2 and no object-mode Readable
 * (pino-abstract-transport's way): the worker's time is the transport's throughput,
 * and those cost it several times what indexOf does (bench/README.md, "Transports").
 */
export class LineDestination extends Writable {
  private partial = '';

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
    let room = true;
    let at = 0;
    let nl = text.indexOf('\n');
    try {
      if (this.partial !== '' && nl >= 0) {
        room = this.take(this.partial + text.slice(0, nl));
        this.partial = '';
        at = nl + 1;
        nl = text.indexOf('\n', at);
      }
      for (; nl >= 0; at = nl + 1, nl = text.indexOf('\n', at)) {
        if (nl > at && !this.take(text.slice(at, nl))) room = false;
      }
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (at < text.length) this.partial += text.slice(at);
    if (room || this.gate.stalled) cb();
    else this.gate.wait(cb);
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
