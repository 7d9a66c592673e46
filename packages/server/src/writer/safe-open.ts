import { constants, existsSync, type Stats } from 'node:fs';
import { type FileHandle, lstat, mkdir, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirsSync } from '@clogs/protocol';
import { ServerError } from '../errors.js';

const { O_WRONLY, O_APPEND, O_CREAT, O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
/** O_NONBLOCK: a FIFO planted at a log's path must not block the open (it is then refused as no file). */
const LOG_FLAGS = O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/**
 * Linux names an open folder `/proc/self/fd/N`: a path through it reaches a file of
 * exactly that folder (what openat does), so a folder swapped for a symlink after it was
 * checked is never followed. Elsewhere the folder's own path is used.
 */
const VIA_FD = existsSync('/proc/self/fd');

/** Where a folder or file of the data dir is not ours to write: a symlink, or not a plain folder/file of ours. */
export class UnsafePathError extends Error {
  readonly code = 'ELOOP';
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`refusing ${path}: ${why}`);
  }
}

const uid = process.getuid?.();

/**
 * The data dir, made if missing (with `dirMode`), as an absolute real path.
 * @throws {ServerError} `ERR_SERVER_DATA_DIR` when it is not a directory owned by this process's user.
 */
export async function prepareDataDir(dir: string, dirMode: number): Promise<string> {
  try {
    makeDirsSync(dir, dirMode);
  } catch (err) {
    throw new ServerError(
      'ERR_SERVER_DATA_DIR',
      `cannot create the data dir ${dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const real = await realpath(dir);
  const st = await stat(real);
  if (!st.isDirectory())
    throw new ServerError('ERR_SERVER_DATA_DIR', `the data dir ${dir} is not a directory`);
  if (uid !== undefined && st.uid !== uid) {
    throw new ServerError(
      'ERR_SERVER_DATA_DIR',
      `the data dir ${dir} is owned by uid ${st.uid}, not by this server's user (uid ${uid}): another user could plant links in it`,
    );
  }
  return real;
}

/** A folder of the data dir opened without following links; `path(name)` reaches a file inside it. */
export class SafeDir {
  private constructor(
    private readonly handle: FileHandle,
    readonly dir: string,
  ) {}

  /** Opens `dir` (making it with `mode` if missing); refuses a symlink or a folder not ours. */
  static async open(dir: string, mode: number): Promise<SafeDir> {
    let handle: FileHandle;
    try {
      handle = await open(dir, DIR_FLAGS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw await explain(err, dir);
      try {
        await mkdir(dir, { mode });
      } catch (made) {
        if ((made as NodeJS.ErrnoException).code !== 'EEXIST') throw made;
      }
      try {
        handle = await open(dir, DIR_FLAGS);
      } catch (again) {
        throw await explain(again, dir);
      }
    }
    const st = await handle.stat();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
      await handle.close();
      throw new UnsafePathError(dir, 'not a folder owned by this server');
    }
    return new SafeDir(handle, dir);
  }

  /** A path to `name` inside this very folder. */
  path(name: string): string {
    return VIA_FD ? `/proc/self/fd/${this.handle.fd}/${name}` : join(this.dir, name);
  }

  /** Opens `name` to append, never through a link, and only if it is a regular file; with its stat. */
  async openLog(name: string, mode: number): Promise<{ file: FileHandle; st: Stats }> {
    let file: FileHandle;
    try {
      file = await open(this.path(name), LOG_FLAGS, mode);
    } catch (err) {
      throw await explain(err, join(this.dir, name));
    }
    const st = await file.stat();
    if (!st.isFile()) {
      await file.close();
      throw new UnsafePathError(join(this.dir, name), 'not a regular file');
    }
    return { file, st };
  }

  rename(from: string, to: string): Promise<void> {
    return rename(this.path(from), this.path(to));
  }

  unlink(name: string): Promise<void> {
    return unlink(this.path(name));
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** ELOOP (a link where O_NOFOLLOW forbids one) or ENOTDIR on a link becomes an UnsafePathError. */
async function explain(err: unknown, path: string): Promise<unknown> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new UnsafePathError(path, 'it is a symbolic link');
  // O_NONBLOCK | O_WRONLY on a FIFO nobody reads
  if (code === 'ENXIO') return new UnsafePathError(path, 'not a regular file');
  if (code === 'ENOTDIR') {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isSymbolicLink()) return new UnsafePathError(path, 'it is a symbolic link');
  }
  return err;
}

/** Runs `fn` with `dir` opened safely, closing it after. */
export async function inDir<T>(dir: string, mode: number, fn: (d: SafeDir) => Promise<T>): Promise<T> {
  const d = await SafeDir.open(dir, mode);
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}
