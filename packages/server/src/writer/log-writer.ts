import { join } from 'node:path';
import { ChunkPool } from './chunk-pool.js';
import { DiskBudget, REFUSED } from './disk-budget.js';
import { scanDataDir } from './disk-scan.js';
import { FileSink, type SinkHost } from './file-sink.js';
import type { LogFile, LogFileHost } from './log-file.js';
import { MoveCheck } from './move-check.js';
import { Notices } from './notices.js';
import { OpenFiles } from './open-files.js';
import { RollPolicy } from './roll-policy.js';
import { inDir, prepareDataDir, UnsafePathError } from './safe-open.js';
import { SinkTable } from './sink-table.js';
import { WriteHealth } from './write-health.js';
import {
  emptyWriterStats,
  type LogWriterOptions,
  type PreparedDataDir,
  type WriterStats,
} from './writer-types.js';

export type { LogWriterOptions, PreparedDataDir, WriterStats } from './writer-types.js';

/**
 * The async buffered writer, after muduo's AsyncLogging: the receive path appends
 * lines to per-file chunks in memory and never waits; full chunks, and every partial
 * chunk each `flushMs`, are written by each file's write loop with one `write` per
 * chunk. Chunks are pooled and reused (ChunkPool). Disk, files and memory are bounded
 * (see DiskBudget, OpenFiles); files roll as RollPolicy says, are opened without
 * following links (SafeDir), and reopen when another process moves them (MoveCheck).
 */
export class LogWriter implements SinkHost, LogFileHost {
  readonly writeDelayMs: () => number;
  readonly host: string;
  readonly pid: number;
  readonly chunks: ChunkPool;
  readonly fileMode: number;
  readonly dirMode: number;
  readonly files: OpenFiles<LogFile>;
  readonly stats: WriterStats = emptyWriterStats();
  readonly rolling: RollPolicy;

  private readonly root: string;
  private readonly maxOpenFiles: number;
  private maxTotalBytes: number;
  private readonly budget: DiskBudget;
  private readonly health: WriteHealth;
  private readonly sinks: SinkTable;
  private readonly timer: NodeJS.Timeout;
  private readonly moves: MoveCheck;
  private rescanning: Promise<void> | undefined;
  private readonly notices: Notices;

  /** Makes the data dir if missing, refuses one not a directory of this user, and counts its files. */
  static async prepare(dataDir: string, dirMode: number): Promise<PreparedDataDir> {
    const root = await prepareDataDir(dataDir, dirMode);
    return { root, inventory: await scanDataDir(root) };
  }

  constructor(o: LogWriterOptions) {
    this.root = o.dataDir.root;
    this.rolling = new RollPolicy(this.root, o.rollBytes, o.rollEvery);
    this.writeDelayMs = o.writeDelayMs ?? (() => 0);
    this.chunks = new ChunkPool(o.chunkBytes, this.stats);
    this.maxOpenFiles = o.maxOpenFiles;
    this.maxTotalBytes = o.maxTotalBytes;
    this.fileMode = o.fileMode;
    this.dirMode = o.dirMode;
    this.host = o.host;
    this.pid = o.pid;
    this.notices = new Notices(o.onError);
    this.files = new OpenFiles(o.maxOpenFiles, (n) => {
      this.stats.openFiles = n;
    });
    this.budget = new DiskBudget(
      {
        maxFiles: o.maxFiles,
        maxTotalBytes: o.maxTotalBytes,
        remove: (f) => inDir(f.dir, this.dirMode, (d) => d.unlink(f.name)),
        onRetention: (f, err) =>
          this.notices.say(
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
    this.sinks = new SinkTable(
      this.root,
      o.allowSys,
      this.budget,
      this.notices,
      (dir, name) => new FileSink(this, this, dir, name),
    );
    this.health = new WriteHealth(o.checkMs ?? 1000, (writable) => {
      this.stats.writable = writable;
      o.onWritable?.(writable);
      if (writable) this.notices.say('ERR_SERVER_WRITE', `writes work again in ${this.root}`, true);
    });
    this.timer = setInterval(() => this.flush(), o.flushMs);
    this.timer.unref();
    this.moves = new MoveCheck(this.files, o.checkMs ?? 1000);
  }

  /** The folder every file goes under. */
  get dataDir(): string {
    return this.root;
  }

  /** False while writes fail (EACCES, ENOSPC, EROFS...): records then are lost, counted, not ACKed after write. */
  get writable(): boolean {
    return this.health.writable;
  }

  /** Rolls files past `rollBytes` (a sys_id's own in `bySys`), and each UTC hour or day (`rollEvery`) or by size only. */
  setRolling(
    rollBytes: number,
    rollEvery: 'hour' | 'day' | undefined,
    bySys?: ReadonlyMap<string, number>,
  ): void {
    this.rolling.set(rollBytes, rollEvery, bySys);
  }

  /** New disk bounds: lowered, the oldest rolled files go at once; raised, refused records are taken again. */
  setBounds(maxTotalBytes: number, maxFiles: number): void {
    this.maxTotalBytes = maxTotalBytes;
    this.budget.setBounds(maxTotalBytes, maxFiles);
  }

  /** Writes only these sys_ids from now on (undefined: every one), files already open included. */
  setAllowSys(allowSys: ReadonlySet<string> | undefined): void {
    this.sinks.setAllowSys(allowSys);
  }

  /**
   * Called once per frame before its records: refuses it when the data dir holds
   * maxTotalBytes (written and pending) and no rolled file is left to delete.
   * @throws {WriterRefusal} `ERR_SERVER_DISK_LIMIT`
   */
  checkRoom(): void {
    const s = this.stats;
    if (s.bytesOnDisk + s.pendingBytes >= this.maxTotalBytes && !this.budget.fits(s.pendingBytes, 1)) {
      this.notices.say('ERR_SERVER_DISK_LIMIT', `the data dir holds --max-total-bytes: frames are refused`);
      throw REFUSED.bytes;
    }
  }

  /** The sink of `<sys_id>/<file_name>.log` (see {@link SinkTable.get}). */
  sink(sysId: string, fileName: string): FileSink {
    const sink = this.sinks.get(sysId, fileName);
    this.stats.files = this.sinks.size;
    return sink;
  }

  /** Adds bytes just appended by a sink to the pending count. */
  appended(bytes: number): void {
    this.stats.pendingBytes += bytes;
  }

  /** Starts writing every partial chunk; past maxOpenFiles files, forgets those gone quiet. */
  flush(): void {
    this.sinks.flush(this.maxOpenFiles);
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
    this.moves.close();
    this.health.close();
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
    await this.rescanning;
    await this.budget.idle();
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

  rolled(dir: string, name: string, size: number): void {
    this.stats.rolls++;
    this.budget.rolledTo(dir, name, size);
  }

  moved(file: LogFile): void {
    this.stats.moved++;
    this.notices.say(
      'ERR_SERVER_FILE_MOVED',
      `${file.path} was renamed or deleted by another process: reopened`,
    );
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
      this.notices.say('ERR_SERVER_UNSAFE_PATH', `${err.message}: ${lines} records not written`);
      return;
    }
    this.stats.writeErrors++;
    const code = (err as NodeJS.ErrnoException)?.code ?? 'unknown';
    this.notices.say('ERR_SERVER_WRITE', `writing ${path} failed (${code})`, false, err);
    if (typeof where !== 'string') this.health.failed(where.file);
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
}
