import { mkdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ServerError } from '../errors.js';
import { FileSink, type SinkHost } from './file-sink.js';

export interface LogWriterOptions {
  /** Root folder: records go to `<dataDir>/<sys_id>/<file_name>.log`. */
  dataDir: string;
  /** Partial chunks are written at least this often. */
  flushMs: number;
  /** A file is rolled before a write would take it past this size. */
  rollBytes: number;
  /** Size of the in-memory chunks lines are appended to. */
  chunkBytes: number;
  host: string;
  pid: number;
  /** Called for every write, sync or rename that fails; the writer goes on. */
  onError: (err: ServerError) => void;
}

export interface WriterStats {
  /** Bytes appended and not yet in a file (or lost). */
  pendingBytes: number;
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
  readonly host: string;
  readonly pid: number;
  readonly stats: WriterStats = {
    pendingBytes: 0,
    bytesWritten: 0,
    bytesLost: 0,
    writes: 0,
    rolls: 0,
    writeErrors: 0,
    files: 0,
  };
  private readonly root: string;
  private readonly chunkBytes: number;
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
    this.chunkBytes = options.chunkBytes;
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

  /** The sink of `<sys_id>/<file_name>.log`. */
  sink(sysId: string, fileName: string): FileSink {
    if (sysId === this.lastSys && fileName === this.lastFile && this.lastSink !== undefined)
      return this.lastSink;
    const key = `${sysId}/${fileName}`;
    let sink = this.sinks.get(key);
    if (sink === undefined) {
      const dir = join(this.root, sysId);
      sink = new FileSink(this, dir, fileName);
      // The protocol's charsets already make escaping the data folder impossible; this
      // check keeps it so if those rules ever change.
      if (!sink.path.startsWith(this.root + sep) || !dir.startsWith(this.root + sep)) {
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

  /** Starts writing every partial chunk. */
  flush(): void {
    for (const sink of this.sinks.values()) sink.seal();
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

  takeChunk(minBytes: number): Buffer {
    if (minBytes <= this.chunkBytes) return this.pool.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    return Buffer.allocUnsafe(minBytes);
  }

  releaseChunk(chunk: Buffer): void {
    // Only standard chunks are pooled, and only as many as a burst needs again.
    if (chunk.length === this.chunkBytes && this.pool.length < 64) this.pool.push(chunk);
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
