import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * How many first bytes of a file make its fingerprint. A file's identity is its device
 * and inode plus these bytes: a rename keeps both, a copy keeps the bytes (the copy of a
 * copy-truncate is known as the file it was), and a truncated file that is written again
 * changes them (it is read from its start).
 */
export const FINGERPRINT_BYTES = 1024;

/** A hash of a file's first `length` bytes (fewer while the file is shorter: it grows with it). */
export interface Fingerprint {
  length: number;
  hash: string;
}

/** The fingerprint of the file's first `min(size, FINGERPRINT_BYTES)` bytes. */
export async function fingerprintOf(fh: FileHandle, size: number): Promise<Fingerprint> {
  return await hashPrefix(fh, Math.min(size, FINGERPRINT_BYTES));
}

/**
 * Whether the file still starts with the bytes `fp` was made of: false when it is now
 * shorter than them or they differ. An empty fingerprint matches any file.
 */
export async function startsWith(fh: FileHandle, size: number, fp: Fingerprint): Promise<boolean> {
  if (size < fp.length) return false;
  if (fp.length === 0) return true;
  return (await hashPrefix(fh, fp.length)).hash === fp.hash;
}

async function hashPrefix(fh: FileHandle, length: number): Promise<Fingerprint> {
  // Per call, not shared: scans of several files may interleave.
  const scratch = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(scratch, got, length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return {
    length: got,
    hash: createHash('sha256').update(scratch.subarray(0, got)).digest('hex').slice(0, 32),
  };
}
