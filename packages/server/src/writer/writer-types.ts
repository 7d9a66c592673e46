import type { ServerError } from '../errors.js';
import type { DiskStats } from './disk-budget.js';
import type { DiskInventory } from './disk-scan.js';

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

/** A fresh set of writer counters. */
export function emptyWriterStats(): WriterStats {
  return {
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
}
