import { ClientError } from '../errors.js';

/** When segment files are forced to the disk (fsync): see the README's Disk spool. */
export type SpoolFsync =
  /** Never: a killed process loses nothing; a power loss or kernel crash may lose what the OS had not written back. */
  | 'never'
  /** When a segment is full and another begins, and at close() (the default). */
  | 'segment'
  /** At every flush of the spool's gathered entries: each `flushIntervalMs` while records come. */
  | 'flush';

export interface SpoolOptions {
  /** The folder of the segment files; made if missing. One client at a time may use it. */
  dir: string;
  /** Disk the spool may use; past it `onFull` applies. Default 256 MiB, at least 64 KiB. */
  maxBytes?: number | undefined;
  /** Default `'segment'`. */
  fsync?: SpoolFsync | undefined;
}

export interface ResolvedSpool {
  dir: string;
  maxBytes: number;
  fsync: SpoolFsync;
  /** A segment is closed (and another begun) past this size. */
  segmentBytes: number;
}

const DEFAULT_MAX_BYTES = 256 * 2 ** 20;
const MIN_MAX_BYTES = 64 * 1024;
const FSYNC: readonly SpoolFsync[] = ['never', 'segment', 'flush'];

function bad(name: string, rule: string, value: unknown): ClientError {
  return new ClientError('ERR_CLIENT_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

/**
 * Checks `spool`. A segment is an eighth of `maxBytes` (4 KiB..8 MiB): small enough that
 * acknowledged ones are deleted while the rest still comes, few enough to list quickly.
 */
export function resolveSpool(s: SpoolOptions | undefined): ResolvedSpool | undefined {
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null) throw bad('spool', 'an object', s);
  if (typeof s.dir !== 'string' || s.dir === '') throw bad('spool.dir', 'a folder path', s.dir);
  const maxBytes = s.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < MIN_MAX_BYTES)
    throw bad('spool.maxBytes', `an integer of at least ${MIN_MAX_BYTES}`, maxBytes);
  const fsync = s.fsync ?? 'segment';
  if (!FSYNC.includes(fsync)) throw bad('spool.fsync', `one of ${FSYNC.join(', ')}`, fsync);
  const segmentBytes = Math.min(8 * 2 ** 20, Math.max(4096, Math.floor(maxBytes / 8)));
  return { dir: s.dir, maxBytes, fsync, segmentBytes };
}
