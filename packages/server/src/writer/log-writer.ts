import { isAbsolute, join, relative, sep } from 'node:path';
import { ServerError, type ServerErrorCode } from '../errors.js';
import { DiskBudget, type DiskStats, REFUSED } from './disk-budget.js';
import { type DiskInventory, scanDataDir } from './disk-scan.js';
import { FileSink, type SinkHost } from './file-sink.js';
import type { LogFile, LogFileHost } from './log-file.js';
import { OpenFiles } from './open-files.js';
import { inDir, prepareDataDir, UnsafePathError } from './safe-open.js';
import { WriteHealth } from './write-health.js';

export interface LogWriterOptions {
  /** Root folder, as {@link LogWriter.prepare} checked and counted it. */
  dataDir: PreparedDataDir;
  /** Partial chunks are written at least this often. */
  flushMs: number;
  /** A file is rolled before a write would take it past this size. */
  rollBytes: number;
  /** Also roll a file when the UTC hour or day it was written in has passed. */
  rollEvery?: 'hour' | 'day' | undefined;
  /** Largest in-memory chunk lines are appended to (a file's first chunk is 1 KiB; it doubles as the file gets busy). */
  chunkBytes: number;
  /** Files kept open at once; the least recently written idle one is closed to open another. */
  maxOpenFiles: number;
  /** Bytes under the data dir, rolled files included; oldest rolled files go first, then frames are refused. */
  maxTotalBytes: number;
  /** Regular files under the data dir; oldest rolled files go first, then new file names are refused. */
  maxFiles: number;
  /** Only these sys_ids are written; undefined takes every one. */
  allowSys?: ReadonlySet<string> | undefined;
  fileMode: number;
  dirMode: number;
  host: string;
  pid: number;
  /** Called for every write, sync, roll or deletion that fails or needs telling; the writer goes on. */
  onError: (err: ServerError) => void;
  /** Told when `writable` changes. */
  onWritable?: ((writable: boolean) => void) | undefined;
  /** How often open files are checked for having moved, and a failing writer probes. Default 1000 ms. */
  checkMs?: number | undefined;
  /** A slow disk, for tests: ms to wait before each write. */
  writeDelayMs?: (() => number) | undefined;
}

/** The data dir checked and counted at start. */
export interface PreparedDataDir {
  root: string;
  inventory: DiskInventory;
}

export interface WriterStats extends DiskStats {
  /** Bytes appended and not yet in a file (or lost). */
  pendingBytes: number;
  /** Memory held in chunks (buffered, queued or being written): what maxPendingBytes bounds. */
  heldBytes: number;
  /** Files open now. */
  openFiles: number;
  bytesWritten: number;
  bytesLost: number;
  /** Records (lines) in writes that failed: not written, and not ACKed after write. */
  recordsLost: number;
  writes: number;
  rolls: number;
  writeErrors: number;
  /** Writes refused because a symlink (or a file or folder not the server's) was where a log goes. */
  unsafePaths: number;
  /** Files renamed or deleted under the server, noticed and reopened. */
  moved: number;
  /** Reopens of every file asked for (SIGHUP). */
  reopens: number;
  /** False while writes fail. */
  writable: boolean;
  /** Files the writer knows now (open or buffered). */
  files: number;
}

/** Warnings of one kind are told at most this often (the count of the others with the next). */
const NOTICE_MS = 10_000;

/**
 * The async buffered writer, after muduo's AsyncLogging: the receive path appends
 * lines to per-file chunks in memory and never waits; full chunks, and every partial
 * chunk each `flushMs`, are written by each file's write loop with one `write` per
 * chunk. Chunks are pooled and reused. Disk, files and memory are bounded (see
 * DiskBudget, OpenFiles); files are opened without following links (SafeDir).
 */
export class LogWriter implements SinkHost, LogFileHost {
  readonly rollBytes: number;
  readonly writeDelayMs: () => number;
  readonly host: string;
  readonly pid: number;
  readonly chunkBytes: number;
  readonly fileMode: number;
  readonly dirMode: number;
  readonly files: OpenFiles<LogFile>;
  readonly stats: WriterStats = {
    pendingBytes: 0,
    heldBytes: 0,
    openFiles: 0,
    bytesWritten: 0,
    bytesLost: 0,
    recordsLost: 0,
    writes: 0,
    rolls: 0,
    writeErrors: 0,
    unsafePaths: 0,
    moved: 0,
    reopens: 0,
    writable: true,
    files: 0,
    filesOnDisk: 0,
    bytesOnDisk: 0,
    retainedFiles: 0,
    retainedBytes: 0,
  };
  private readonly root: string;
  private readonly maxOpenFiles: number;
  private readonly maxTotalBytes: number;
  private readonly allowSys: ReadonlySet<string> | undefined;
  private readonly periodMs: number;
  private readonly budget: DiskBudget;
  private readonly health: WriteHealth;
  private readonly sinks = new Map<string, FileSink>();
  /** Sinks that took a place in the budget for a file not on disk yet. */
  private readonly reserved = new WeakSet<FileSink>();
  private readonly pool: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly checker: NodeJS.Timeout;
  private checking = false;
  private rescanning: Promise<void> | undefined;
  private readonly onError: (err: ServerError) => void;
  private readonly notices = new Map<ServerErrorCode, { at: number; more: number }>();
  // The last sink asked for: consecutive records mostly go to the same file, and the
  // decoder hands back the same string objects for repeated names, so === is enough.
  private lastSys = '';
  private lastFile = '';
  private lastSink: FileSink | undefined;

  /** Makes the data dir if missing, refuses one not a directory of this user, and counts its files. */
  static async prepare(dataDir: string, dirMode: number): Promise<PreparedDataDir> {
    const root = await prepareDataDir(dataDir, dirMode);
    return { root, inventory: await scanDataDir(root) };
  }

  constructor(o: LogWriterOptions) {
    this.root = o.dataDir.root;
    this.rollBytes = o.rollBytes;
    this.writeDelayMs = o.writeDelayMs ?? (() => 0);
    this.chunkBytes = o.chunkBytes;
    this.maxOpenFiles = o.maxOpenFiles;
    this.maxTotalBytes = o.maxTotalBytes;
    this.allowSys = o.allowSys;
    this.fileMode = o.fileMode;
    this.dirMode = o.dirMode;
    this.periodMs = o.rollEvery === 'hour' ? 3_600_000 : o.rollEvery === 'day' ? 86_400_000 : 0;
    this.host = o.host;
    this.pid = o.pid;
    this.onError = o.onError;
    this.files = new OpenFiles(o.maxOpenFiles, (n) => {
      this.stats.openFiles = n;
    });
    this.budget = new DiskBudget(
      {
        maxFiles: o.maxFiles,
        maxTotalBytes: o.maxTotalBytes,
        remove: (f) => inDir(f.dir, this.dirMode, (d) => d.unlink(f.name)),
        onRetention: (f, err) =>
          this.notice(
            'ERR_SERVER_RETENTION',
            err === undefined
              ? `retention deleted ${join(f.dir, f.name)} (${f.size} bytes) to stay within --max-files/--max-total-bytes`
              : `retention could not delete ${join(f.dir, f.name)} (${(err as NodeJS.ErrnoException).code})`,
            true,
          ),
      },
      this.stats,
      o.dataDir.inventory,
    );
    this.health = new WriteHealth(o.checkMs ?? 1000, (writable) => {
      this.stats.writable = writable;
      o.onWritable?.(writable);
      if (writable) this.notice('ERR_SERVER_WRITE', `writes work again in ${this.root}`, true);
    });
    this.timer = setInterval(() => this.flush(), o.flushMs);
    this.timer.unref();
    this.checker = setInterval(() => void this.checkMoved(), o.checkMs ?? 1000);
    this.checker.unref();
  }

  /** The folder every file goes under. */
  get dataDir(): string {
    return this.root;
  }

  /** False while writes fail (EACCES, ENOSPC, EROFS...): records then are lost, counted, not ACKed after write. */
  get writable(): boolean {
    return this.health.writable;
  }

  /**
   * Called once per frame before its records: refuses it when the data dir holds
   * maxTotalBytes (written and pending) and no rolled file is left to delete.
   * @throws {WriterRefusal} `ERR_SERVER_DISK_LIMIT`
   */
  checkRoom(): void {
    const s = this.stats;
    if (s.bytesOnDisk + s.pendingBytes >= this.maxTotalBytes && !this.budget.fits(s.pendingBytes, 1)) {
      this.notice('ERR_SERVER_DISK_LIMIT', `the data dir holds --max-total-bytes: frames are refused`);
      throw REFUSED.bytes;
    }
  }

  /**
   * The sink of `<sys_id>/<file_name>.log`.
   * @throws {ServerError} `ERR_SERVER_BAD_PATH` for a path outside the data folder;
   * a {@link WriterRefusal} (`ERR_SERVER_SYS_NOT_ALLOWED`, `ERR_SERVER_FILE_LIMIT`)
   * for a record a bound refuses. Once a frame's records all had their sink, asking
   * again for them (the receive path's second pass) never throws.
   */
  sink(sysId: string, fileName: string): FileSink {
    if (sysId === this.lastSys && fileName === this.lastFile && this.lastSink !== undefined)
      return this.lastSink;
    const key = `${sysId}/${fileName}`;
    let sink = this.sinks.get(key);
    if (sink === undefined) {
      if (this.allowSys !== undefined && !this.allowSys.has(sysId)) throw REFUSED.sys;
      // Admitted before anything is made: a flood of new names costs a lookup each.
      const known = this.budget.has(key);
      if (!known && !this.budget.admit(key)) {
        this.notice('ERR_SERVER_FILE_LIMIT', `--max-files files are on disk: new file names are refused`);
        throw REFUSED.files;
      }
      sink = new FileSink(this, this, join(this.root, sysId), fileName);
      // The protocol's charsets already make leaving the data folder impossible; this
      // check keeps it so if those rules ever change.
      const rel = relative(this.root, sink.path);
      if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).length !== 2) {
        if (!known) this.budget.release(key);
        throw new ServerError('ERR_SERVER_BAD_PATH', `refusing to write outside ${this.root}: ${sink.path}`);
      }
      if (!known) this.reserved.add(sink);
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
        // A name admitted whose file never came to be gives its place back.
        if (this.reserved.has(sink) && !sink.file.created) this.budget.release(key);
        void sink.file.closeHandle();
      } else {
        sink.seal();
      }
    }
    this.stats.files = this.sinks.size;
  }

  /**
   * Writes what is buffered and reopens every file by path (SIGHUP, after logrotate
   * renamed them), then counts the data dir again. No line is split: whole chunks go to
   * the old file or the new one.
   */
  async reopen(): Promise<void> {
    this.stats.reopens++;
    for (const sink of this.sinks.values()) sink.reopen();
    await this.rescan();
  }

  /** Writes every chunk and resolves when all are settled (and retention's deletions done). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.all([...this.sinks.values()].map((s) => s.idle()));
    await this.budget.idle();
  }

  /** Writes everything, fsyncs and closes every file. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.checker);
    this.health.close();
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
    await this.rescanning;
    await this.budget.idle();
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

  writesDone(file: LogFile): void {
    this.files.idle(file);
  }

  settled(bytes: number, written: boolean): void {
    this.stats.pendingBytes -= bytes;
    if (written) {
      this.stats.bytesWritten += bytes;
      this.stats.writes++;
      this.budget.written(bytes);
    } else {
      this.stats.bytesLost += bytes;
    }
  }

  period(ms: number): number {
    return this.periodMs === 0 ? 0 : Math.floor(ms / this.periodMs);
  }

  rolled(dir: string, name: string, size: number): void {
    this.stats.rolls++;
    this.budget.rolledTo(dir, name, size);
  }

  moved(file: LogFile): void {
    this.stats.moved++;
    this.notice('ERR_SERVER_FILE_MOVED', `${file.path} was renamed or deleted by another process: reopened`);
    // Someone else manages files here: count them again.
    void this.rescan();
  }

  worked(sink: FileSink): void {
    this.health.worked(sink.file);
  }

  failed(err: unknown, where: FileSink | string, lines = 0): void {
    const path = typeof where === 'string' ? where : where.path;
    this.stats.recordsLost += lines;
    if (err instanceof UnsafePathError) {
      this.stats.unsafePaths++;
      this.notice('ERR_SERVER_UNSAFE_PATH', `${err.message}: ${lines} records not written`);
      return;
    }
    this.stats.writeErrors++;
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown';
    this.notice('ERR_SERVER_WRITE', `writing ${path} failed (${code})`, false, err);
    if (typeof where !== 'string') this.health.failed(where.file);
  }

  /** Tells a warning; unless `always`, at most one of a code every NOTICE_MS, saying how many were held back. */
  private notice(code: ServerErrorCode, message: string, always = false, cause?: unknown): void {
    let text = message;
    if (!always) {
      const now = Date.now();
      const last = this.notices.get(code);
      if (last !== undefined && now - last.at < NOTICE_MS) {
        last.more++;
        return;
      }
      if (last !== undefined && last.more > 0) text += ` (and ${last.more} more since the last such warning)`;
      this.notices.set(code, { at: now, more: 0 });
    }
    this.onError(new ServerError(code, text, { cause }));
  }

  private rescan(): Promise<void> {
    this.rescanning ??= this.budget
      .rescan(this.root, () => this.sinks.keys())
      .catch(() => {})
      .finally(() => {
        this.rescanning = undefined;
      });
    return this.rescanning;
  }

  private async checkMoved(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const file of [...this.files.files()]) await file.checkMoved();
    } finally {
      this.checking = false;
    }
  }
}
