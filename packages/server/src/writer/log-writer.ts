import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ServerError } from '../errors.js';
import { FileSink, type SinkHost } from './file-sink.js';

export interface LogWriterOptions {
  /** Root folder: records go to `<dataDir>/<sys_id>/<file_name>.log`. */
  dataDir: string;
  /** Partial chunks are written at least this often. */
  flushMs: number;
  /** A file is rolled before a write would take it past this size. */
  rollBytes: number;
  /** Largest in-memory chunk lines are appended to (a file's first chunk is 4 KiB; it doubles as the file gets busy). */
  chunkBytes: number;
  /** Files kept open at once; the least recently written idle one is closed to open another. */
  maxOpenFiles: number;
  host: string;
  pid: number;
  /** Called for every write, sync or rename that fails; the writer goes on. */
  onError: (err: ServerError) => void;
  /** A slow disk, for tests: ms to wait before each write. */
  writeDelayMs?: (() => number) | undefined;
}

export interface WriterStats {
  /** Bytes appended and not yet in a file (or lost). */
  pendingBytes: number;
  /** Memory held in chunks (buffered, queued or being written): what maxPendingBytes bounds. */
  heldBytes: number;
  /** Files open now. */
  openFiles: number;
  bytesWritten: number;
  bytesLost: number;
  writes: number;
  rolls: number;
  writeErrors: number;
  files: number;
}

/**
 * The async buffered writer, after muduo's AsyncLogging: the receive path appends
 * lines to per-file chunks in memory and never waits; full chunks, and every partial
 * chunk each `flushMs`, are written by each file's write loop with one `write` per
 * chunk. Chunks are pooled and reused.
 */
export class LogWriter implements SinkHost {
  readonly rollBytes: number;
  readonly writeDelayMs: () => number;
  readonly host: string;
  readonly pid: number;
  readonly chunkBytes: number;
  readonly stats: WriterStats = {
    pendingBytes: 0,
    heldBytes: 0,
    openFiles: 0,
    bytesWritten: 0,
    bytesLost: 0,
    writes: 0,
    rolls: 0,
    writeErrors: 0,
    files: 0,
  };
  private readonly root: string;
  private readonly maxOpenFiles: number;
  /** Sinks with an open file, least recently written first (Map keeps insertion order). */
  private readonly openSinks = new Map<FileSink, true>();
  /** Files reserved a slot and being opened. */
  private opening = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly sinks = new Map<string, FileSink>();
  private readonly dirs = new Map<string, Promise<void>>();
  private readonly pool: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly onError: (err: ServerError) => void;
  // The last sink asked for: consecutive records mostly go to the same file, and the
  // decoder hands back the same string objects for repeated names, so === is enough.
  private lastSys = '';
  private lastFile = '';
  private lastSink: FileSink | undefined;

  constructor(options: LogWriterOptions) {
    this.root = resolve(options.dataDir);
    this.rollBytes = options.rollBytes;
    this.writeDelayMs = options.writeDelayMs ?? (() => 0);
    this.chunkBytes = options.chunkBytes;
    this.maxOpenFiles = options.maxOpenFiles;
    this.host = options.host;
    this.pid = options.pid;
    this.onError = options.onError;
    this.timer = setInterval(() => this.flush(), options.flushMs);
    this.timer.unref();
  }

  /** The folder every file goes under. */
  get dataDir(): string {
    return this.root;
  }

  get writable(): boolean {
    return true;
  }

  /** The sink of `<sys_id>/<file_name>.log`. */
  /** @throws {ServerError} `ERR_SERVER_BAD_PATH` for a path outside the data folder. */
  sink(sysId: string, fileName: string): FileSink {
    if (sysId === this.lastSys && fileName === this.lastFile && this.lastSink !== undefined)
      return this.lastSink;
    const key = `${sysId}/${fileName}`;
    let sink = this.sinks.get(key);
    if (sink === undefined) {
      const dir = join(this.root, sysId);
      sink = new FileSink(this, dir, fileName);
      // The protocol's charsets already make leaving the data folder impossible; this
      // check keeps it so if those rules ever change.
      const rel = relative(this.root, sink.path);
      if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).length !== 2) {
        throw new ServerError('ERR_SERVER_BAD_PATH', `refusing to write outside ${this.root}: ${sink.path}`);
      }
      this.sinks.set(key, sink);
      this.stats.files = this.sinks.size;
    }
    this.lastSys = sysId;
    this.lastFile = fileName;
    this.lastSink = sink;
    return sink;
  }

  /** Adds bytes just appended by a sink to the pending count. */
  appended(bytes: number): void {
    this.stats.pendingBytes += bytes;
  }

  /** Starts writing every partial chunk; past maxOpenFiles files, forgets those gone quiet. */
  flush(): void {
    const evict = this.sinks.size > this.maxOpenFiles;
    for (const [key, sink] of this.sinks) {
      if (evict && sink.quiet) {
        // Nothing of it left in memory: drop it (closing its file), so a stream of
        // ever-new file names cannot grow the map or the open files without bound.
        this.sinks.delete(key);
        if (this.lastSink === sink) this.lastSink = undefined;
        void sink.closeHandle();
      } else {
        sink.seal();
      }
    }
    this.stats.files = this.sinks.size;
  }

  /** Writes every chunk and resolves when all are settled. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.sinks.values()].map((s) => s.idle()));
  }

  /** Writes everything, fsyncs and closes every file. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
  }

  takeChunk(bytes: number): Buffer {
    const chunk = (bytes === this.chunkBytes ? this.pool.pop() : undefined) ?? Buffer.allocUnsafe(bytes);
    this.stats.heldBytes += chunk.length;
    return chunk;
  }

  releaseChunk(chunk: Buffer): void {
    this.stats.heldBytes -= chunk.length;
    // Only full-size chunks are pooled, and only as many as a burst needs again.
    if (chunk.length === this.chunkBytes && this.pool.length < 64) this.pool.push(chunk);
  }

  /**
   * Waits for a free slot under maxOpenFiles: closes the least recently written file with
   * no write in flight, or else waits until a file finishes its writes and gives its slot up.
   */
  async beforeOpen(_sink: FileSink): Promise<void> {
    while (this.openSinks.size + this.opening >= this.maxOpenFiles) {
      const idle = [...this.openSinks.keys()].find((s) => s.closable);
      if (idle !== undefined) await idle.closeHandle();
      else await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.opening++;
  }

  opened(sink: FileSink): void {
    this.opening--;
    this.openSinks.set(sink, true);
    this.stats.openFiles = this.openSinks.size;
  }

  closed(sink: FileSink): void {
    this.openSinks.delete(sink);
    this.stats.openFiles = this.openSinks.size;
    this.slotWaiters.shift()?.();
  }

  writesDone(sink: FileSink): void {
    // Others wait for a slot: this file has nothing to write now, so it gives its slot up.
    if (this.slotWaiters.length > 0 && sink.closable) void sink.closeHandle();
  }

  /** A failed open frees the slot it had reserved. */
  openFailed(): void {
    this.opening--;
    this.slotWaiters.shift()?.();
  }

  used(sink: FileSink): void {
    if (this.openSinks.delete(sink)) this.openSinks.set(sink, true);
  }

  settled(bytes: number, written: boolean): void {
    this.stats.pendingBytes -= bytes;
    if (written) {
      this.stats.bytesWritten += bytes;
      this.stats.writes++;
    } else {
      this.stats.bytesLost += bytes;
    }
  }

  rolled(): void {
    this.stats.rolls++;
  }

  failed(err: unknown, path: string): void {
    this.stats.writeErrors++;
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown';
    this.onError(new ServerError('ERR_SERVER_WRITE', `writing ${path} failed (${code})`, { cause: err }));
  }

  ensureDir(dir: string): Promise<void> {
    let made = this.dirs.get(dir);
    if (made === undefined) {
      made = mkdir(dir, { recursive: true }).then(() => undefined);
      // A failure is reported by the write that needed the folder; let the next one retry.
      made.catch(() => this.dirs.delete(dir));
      this.dirs.set(dir, made);
    }
    return made;
  }
}
