import type { ChunkPool } from './chunk-pool.js';
import { LogFile, type LogFileHost } from './log-file.js';

/** What a sink needs from its writer: buffers, accounting, and where to report trouble. */
export interface SinkHost {
  /** The chunks lines are appended into; its chunkBytes is the largest a sink grows to. */
  readonly chunks: ChunkPool;
  /** A slow disk, for tests: ms to wait before each write (0 normally). */
  writeDelayMs(): number;
  /** Bytes just appended: now pending. */
  appended(bytes: number): void;
  /** Bytes handed to the sink's file (written, or lost to an error): no longer pending. */
  settled(bytes: number, written: boolean): void;
  /** A write of the sink's file failed: `lines` records are lost. */
  failed(err: unknown, sink: FileSink, lines: number): void;
  /** A write of the sink's file worked. */
  worked(sink: FileSink): void;
  /** The sink's write loop has ended: it holds its file but writes nothing now. */
  writesDone(file: LogFile): void;
}

/** A quiet file's first chunk: small, so thousands of files cost little memory. */
const FIRST_CHUNK_BYTES = 1024;

interface Waiter {
  /** The waiter's bytes are [start, end) of everything appended to this sink. */
  start: number;
  end: number;
  done: (written: boolean) => void;
}

/**
 * One log file: lines are appended into an in-memory chunk; a full chunk, or every
 * chunk at a flush, is queued and written with one `write` call, one at a time and in
 * order. The receive path only appends; only the write loop touches the disk.
 */
export class FileSink {
  /** The chunk lines are being appended to, and the position in it. */
  chunk: Buffer | undefined;
  pos = 0;
  /** Bytes appended since the sink was made; bytes settled (written or failed). */
  appended = 0;
  settledBytes = 0;
  readonly file: LogFile;
  private readonly queue: { chunk: Buffer; length: number }[] = [];
  private waiters: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private reopenWhenWritten = false;
  /** Size of the next chunk: doubles each time a chunk fills, up to the writer's chunkBytes. */
  private nextChunkBytes = FIRST_CHUNK_BYTES;

  constructor(
    private readonly host: SinkHost,
    fileHost: LogFileHost,
    dir: string,
    fileName: string,
  ) {
    this.file = new LogFile(fileHost, dir, fileName);
  }

  get path(): string {
    return this.file.path;
  }

  /** A chunk with at least `bytes` of room at `pos`. */
  room(bytes: number): Buffer {
    const chunk = this.chunk;
    if (chunk !== undefined && chunk.length - this.pos >= bytes) return chunk;
    if (chunk !== undefined)
      this.nextChunkBytes = Math.min(this.nextChunkBytes * 2, this.host.chunks.chunkBytes);
    this.seal();
    this.chunk = this.host.chunks.take(Math.max(bytes, this.nextChunkBytes));
    this.pos = 0;
    return this.chunk;
  }

  /** Nothing buffered, queued, being written or waited for: the sink can be dropped. */
  get quiet(): boolean {
    return (
      this.chunk === undefined &&
      this.queue.length === 0 &&
      this.writing === undefined &&
      this.waiters.length === 0
    );
  }

  /** Records that lines now end at `pos`. */
  commit(pos: number): void {
    const bytes = pos - this.pos;
    this.appended += bytes;
    this.host.appended(bytes);
    this.pos = pos;
  }

  /** Calls `done(true)` once every byte appended so far is in the file, `done(false)` if some were lost. */
  whenWritten(since: number, done: (written: boolean) => void): void {
    if (this.settledBytes >= this.appended) done(true);
    else this.waiters.push({ start: since, end: this.appended, done });
  }

  /** Queues the current chunk for writing and starts the write loop. */
  seal(): void {
    const chunk = this.chunk;
    if (chunk === undefined) return;
    this.chunk = undefined;
    if (this.pos === 0) {
      this.host.chunks.release(chunk);
      return;
    }
    this.queue.push({ chunk, length: this.pos });
    this.pos = 0;
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = undefined;
      this.file.busy = false;
      if (this.reopenWhenWritten) {
        this.reopenWhenWritten = false;
        this.file.reopen();
      }
      this.host.writesDone(this.file);
    });
  }

  /** Resolves when everything queued so far is settled. */
  async idle(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /** Writes what is left, fsyncs and closes the file. */
  async close(): Promise<void> {
    this.seal();
    await this.idle();
    await this.file.syncAndClose();
  }

  /** Writes what is buffered (to the file open now), then reopens the file by path (SIGHUP: logrotate renamed it). */
  reopen(): void {
    this.seal();
    if (this.writing === undefined) this.file.reopen();
    else this.reopenWhenWritten = true;
  }

  private async writeLoop(): Promise<void> {
    this.file.busy = true;
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      const start = this.settledBytes;
      let ok = true;
      try {
        const handle = await this.file.forWrite(item.length);
        const delay = this.host.writeDelayMs();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        let done = 0;
        while (done < item.length) {
          const { bytesWritten } = await handle.write(item.chunk, done, item.length - done, null);
          done += bytesWritten;
        }
        this.file.grew(item.length);
        this.host.worked(this);
      } catch (err) {
        ok = false;
        this.host.failed(err, this, countLines(item.chunk, item.length));
      }
      this.settledBytes += item.length;
      this.host.settled(item.length, ok);
      this.host.chunks.release(item.chunk);
      this.settle(start, ok);
    }
  }

  /** Wakes waiters whose bytes are all settled; a failed range fails every waiter that overlaps it. */
  private settle(failedFrom: number, ok: boolean): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (!ok && w.start < this.settledBytes && w.end > failedFrom) w.done(false);
      else if (w.end <= this.settledBytes) w.done(true);
      else keep.push(w);
    }
    this.waiters = keep;
  }
}

function countLines(chunk: Buffer, length: number): number {
  let n = 0;
  for (let at = chunk.indexOf(0x0a); at >= 0 && at < length; at = chunk.indexOf(0x0a, at + 1)) n++;
  return n;
}
