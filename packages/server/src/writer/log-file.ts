import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenFiles } from './open-files.js';
import { rolledName, rollStamp } from './roll-name.js';
import type { RollPolicy } from './roll-policy.js';
import { inDir, SafeDir } from './safe-open.js';

/** What a log file needs from its writer. */
export interface LogFileHost {
  /** When files roll: its size and period are read before each write. */
  readonly rolling: RollPolicy;
  readonly host: string;
  readonly pid: number;
  readonly fileMode: number;
  readonly dirMode: number;
  readonly files: OpenFiles<LogFile>;
  /** The file was renamed to `name` in `dir`, holding `size` bytes. */
  rolled(dir: string, name: string, size: number): void;
  /** Someone else renamed or deleted the file: it is reopened by path before the next write. */
  moved(file: LogFile): void;
  /** Closing failed: reported, the writer goes on. */
  failed(err: unknown, path: string): void;
}

const PROBE = '.clogs-probe';
const PROBE_BYTES = Buffer.alloc(4096);
const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;

/**
 * `<dir>/<file_name>.log` as the writer holds it: the open handle (in the writer's LRU),
 * its size, and the identity (dev, ino) it had when opened, so a file renamed or deleted
 * under the server is noticed; rolled by size or time, reopened on request.
 */
export class LogFile {
  readonly path: string;
  /** A write is in flight: the handle must stay open. */
  busy = false;
  /** The file was created (or found) on disk at least once. */
  created = false;
  private handle: FileHandle | undefined;
  private size = 0;
  private dev = 0;
  private ino = 0;
  private period = 0;
  /** The second of the last roll and the counter its name took. */
  private lastRoll = { stamp: '', n: -1 };
  /** Reopen by path before the next write (SIGHUP, or the file moved). */
  private reopenWanted = false;

  constructor(
    private readonly host: LogFileHost,
    readonly dir: string,
    readonly fileName: string,
  ) {
    this.path = join(dir, `${fileName}.log`);
  }

  get closable(): boolean {
    return this.handle !== undefined && !this.busy;
  }

  /** The open handle for a write of `incoming` bytes: reopened, rolled, opened as needed. */
  async forWrite(incoming: number): Promise<FileHandle> {
    if (this.reopenWanted) {
      this.reopenWanted = false;
      await this.closeHandle();
    }
    if (this.handle !== undefined && this.due(incoming)) await this.roll();
    if (this.handle === undefined) {
      await this.open();
      // A file left from before may already be past the size, or of an earlier period.
      if (this.due(incoming)) {
        await this.roll();
        await this.open();
      }
    }
    return this.handle!;
  }

  /** `bytes` were appended through the handle. */
  grew(bytes: number): void {
    this.size += bytes;
    this.host.files.used(this);
  }

  /** Reopens by path before the next write; at once when nothing is being written. */
  reopen(): void {
    this.reopenWanted = true;
    if (this.closable) {
      this.reopenWanted = false;
      void this.closeHandle();
    }
  }

  /** Compares the open file with what its path names now; a rename or delete asks for a reopen. */
  async checkMoved(): Promise<void> {
    if (this.handle === undefined || this.reopenWanted) return;
    const st = await lstat(this.path).catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? undefined : null,
    );
    if (st === null || this.handle === undefined) return; // cannot tell: check again next time
    if (st !== undefined && st.ino === this.ino && st.dev === this.dev) return;
    this.host.moved(this);
    this.reopen();
  }

  /** Creates the file if needed and writes a probe beside it: resolves only if both work. */
  async probe(): Promise<void> {
    await inDir(this.dir, this.host.dirMode, async (d) => {
      await (await d.openLog(`${this.fileName}.log`, this.host.fileMode)).file.close();
      this.created = true;
      const p = await open(d.path(PROBE), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600);
      try {
        await p.write(PROBE_BYTES);
      } finally {
        await p.close();
        await d.unlink(PROBE).catch(() => {});
      }
    });
  }

  /** Closes the file (it is reopened, in append mode, by the next write). */
  async closeHandle(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return;
    this.handle = undefined;
    this.host.files.closed(this);
    try {
      await handle.close();
    } catch (err) {
      this.host.failed(err, this.path);
    }
  }

  /** Writes what the OS holds to the disk, then closes. */
  async syncAndClose(): Promise<void> {
    if (this.handle === undefined) return;
    try {
      await this.handle.sync();
    } catch (err) {
      this.host.failed(err, this.path);
    }
    await this.closeHandle();
  }

  private due(incoming: number): boolean {
    return (
      this.size > 0 &&
      (this.size + incoming > this.host.rolling.bytesOf(this.dir) ||
        this.host.rolling.period(Date.now()) !== this.period)
    );
  }

  private async open(): Promise<void> {
    await this.host.files.reserve();
    let handle: FileHandle | undefined;
    try {
      const d = await SafeDir.open(this.dir, this.host.dirMode);
      let st: Stats;
      try {
        ({ file: handle, st } = await d.openLog(`${this.fileName}.log`, this.host.fileMode));
      } finally {
        await d.close();
      }
      this.size = st.size;
      this.dev = st.dev;
      this.ino = st.ino;
      this.period = this.host.rolling.period(st.size > 0 ? st.mtimeMs : Date.now());
    } catch (err) {
      await handle?.close().catch(() => {});
      this.host.files.failed();
      throw err;
    }
    this.handle = handle;
    this.created = true;
    this.host.files.opened(this);
  }

  private async roll(): Promise<void> {
    const size = this.size;
    await this.closeHandle();
    const now = new Date();
    const stamp = rollStamp(now);
    const from = stamp === this.lastRoll.stamp ? this.lastRoll.n + 1 : 0;
    await inDir(this.dir, this.host.dirMode, async (d) => {
      const { name: to, n } = await rolledName(d, this.fileName, now, this.host.host, this.host.pid, from);
      this.lastRoll = { stamp, n };
      try {
        await d.rename(`${this.fileName}.log`, to);
      } catch (err) {
        // Renamed or deleted by someone else since it was opened: nothing left to roll.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      this.host.rolled(this.dir, to, size);
    });
    this.size = 0;
  }
}
