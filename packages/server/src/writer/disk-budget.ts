import { ServerError } from '../errors.js';
import { type DiskInventory, type RolledFile, scanDataDir } from './disk-scan.js';

/** The disk figures a budget keeps in the writer's stats. */
export interface DiskStats {
  /** Regular files under the data dir, live and rolled. */
  filesOnDisk: number;
  /** Their bytes, plus what was written since they were counted. */
  bytesOnDisk: number;
  /** Rolled files deleted by retention to stay within a bound, and their bytes. */
  retainedFiles: number;
  retainedBytes: number;
}

/** Why a bound refused a record (the server's drop reasons of the same names). */
export type RefusalReason = 'sys_not_allowed' | 'file_limit' | 'disk_limit';

/** A record refused before it is written: the frame is dropped whole, counted by `reason`. */
export class WriterRefusal extends ServerError {
  constructor(
    code: 'ERR_SERVER_SYS_NOT_ALLOWED' | 'ERR_SERVER_FILE_LIMIT' | 'ERR_SERVER_DISK_LIMIT',
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(code, message);
  }
}

// Made once: a flood of refused datagrams must not build an Error (and its stack) each.
export const REFUSED = {
  sys: new WriterRefusal('ERR_SERVER_SYS_NOT_ALLOWED', 'sys_not_allowed', 'sys_id not in --allow-sys'),
  files: new WriterRefusal('ERR_SERVER_FILE_LIMIT', 'file_limit', 'a new file past --max-files'),
  bytes: new WriterRefusal('ERR_SERVER_DISK_LIMIT', 'disk_limit', 'the data dir is at --max-total-bytes'),
} as const;

export interface DiskBudgetOptions {
  /** The bounds to start with; {@link DiskBudget.setBounds} changes them. */
  maxFiles: number;
  maxTotalBytes: number;
  /** Deletes a rolled file (retention); resolves once it is gone. */
  remove(file: RolledFile): Promise<void>;
  /** Told of each deletion, or why one failed. */
  onRetention(file: RolledFile, err?: unknown): void;
}

/**
 * The data dir's files and bytes against `maxFiles` and `maxTotalBytes`. Every decision
 * is synchronous (the receive path asks per record): a rolled file retention picks is
 * taken off the counts at once and unlinked in the background.
 */
export class DiskBudget {
  private live: Set<string>;
  private rolled: RolledFile[];
  /** rolled[head] is the oldest not yet deleted. */
  private head = 0;
  /** Deletions under way. */
  private readonly removing = new Set<Promise<void>>();
  private maxFiles: number;
  private maxTotalBytes: number;

  constructor(
    private readonly o: DiskBudgetOptions,
    private readonly stats: DiskStats,
    inv: DiskInventory,
  ) {
    this.maxFiles = o.maxFiles;
    this.maxTotalBytes = o.maxTotalBytes;
    this.live = inv.live;
    this.rolled = inv.rolled;
    stats.filesOnDisk = inv.files;
    stats.bytesOnDisk = inv.bytes;
  }

  /** True when `<sys>/<file>.log` is on disk or was admitted. */
  has(key: string): boolean {
    return this.live.has(key);
  }

  /** Admits a new live file, deleting rolled ones if need be; false when nothing can make room. */
  admit(key: string): boolean {
    if (this.live.has(key)) return true;
    if (!this.makeRoom(1, 0)) return false;
    this.live.add(key);
    this.stats.filesOnDisk++;
    return true;
  }

  /** New bounds: past them, the oldest rolled files are deleted at once. */
  setBounds(maxTotalBytes: number, maxFiles: number): void {
    this.maxTotalBytes = maxTotalBytes;
    this.maxFiles = maxFiles;
    this.makeRoom(0, 0);
  }

  /** A file admitted and never created gives its place back. */
  release(key: string): void {
    if (this.live.delete(key)) this.stats.filesOnDisk--;
  }

  /** True when `incoming` more bytes fit beside `pending` ones (deleting rolled files if need be). */
  fits(pending: number, incoming: number): boolean {
    return this.makeRoom(0, pending + incoming);
  }

  /** Resolves once every deletion begun so far is done. */
  async idle(): Promise<void> {
    while (this.removing.size > 0) await Promise.all(this.removing);
  }

  /** Bytes were written: past the bound, rolled files go at once. */
  written(bytes: number): void {
    this.stats.bytesOnDisk += bytes;
    if (this.stats.bytesOnDisk > this.maxTotalBytes) this.makeRoom(0, 0);
  }

  /** A live file was renamed to `name`: one more file, which retention may delete first. */
  rolledTo(dir: string, name: string, size: number): void {
    this.rolled.push({ dir, name, size, mtimeMs: Date.now() });
    this.stats.filesOnDisk++;
    this.makeRoom(0, 0);
  }

  /**
   * Counts the data dir again (what others did to it: logrotate, an operator), keeping
   * what was admitted meanwhile and the bytes written since the count began.
   */
  async rescan(root: string, admittedNow: () => Iterable<string>): Promise<void> {
    const writtenBefore = this.stats.bytesOnDisk;
    const inv = await scanDataDir(root);
    for (const key of admittedNow()) {
      if (!inv.live.has(key)) {
        inv.live.add(key);
        inv.files++;
      }
    }
    inv.bytes += Math.max(0, this.stats.bytesOnDisk - writtenBefore);
    this.live = inv.live;
    this.rolled = inv.rolled;
    this.head = 0;
    this.stats.filesOnDisk = inv.files;
    this.stats.bytesOnDisk = inv.bytes;
    this.makeRoom(0, 0);
  }

  /** Deletes the oldest rolled files until `files` more files and `bytes` more bytes fit. */
  private makeRoom(files: number, bytes: number): boolean {
    const s = this.stats;
    while (s.filesOnDisk + files > this.maxFiles || s.bytesOnDisk + bytes > this.maxTotalBytes) {
      const oldest = this.rolled[this.head];
      if (oldest === undefined) return false;
      this.rolled[this.head++] = undefined as unknown as RolledFile;
      if (this.head > 1024 && this.head * 2 > this.rolled.length) {
        this.rolled = this.rolled.slice(this.head);
        this.head = 0;
      }
      s.filesOnDisk--;
      s.bytesOnDisk -= oldest.size;
      s.retainedFiles++;
      s.retainedBytes += oldest.size;
      const removed = this.o.remove(oldest).then(
        () => this.o.onRetention(oldest),
        (err: NodeJS.ErrnoException) => {
          if (err?.code !== 'ENOENT') this.o.onRetention(oldest, err);
        },
      );
      this.removing.add(removed);
      void removed.finally(() => this.removing.delete(removed));
    }
    return true;
  }
}
