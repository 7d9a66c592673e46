import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * How many first bytes of a file make its fingerprint. A file's identity is its device
 * and inode plus these bytes: a rename keeps both, a copy keeps the bytes (the copy of a
 * copy-truncate is known as the file it was), and a truncated file that is written again
 * changes them (it is read from its start). A file rewritten with the same first bytes
 * is not told apart: the bytes are the identity.
 */
export const FINGERPRINT_BYTES = 1024;

/** A hash of a file's first `length` bytes (fewer while the file is shorter: it grows with it). */
export interface Fingerprint {
  length: number;
  hash: string;
}

/**
 * The file's first bytes as they are now, up to {@link FINGERPRINT_BYTES}, read into
 * `into` (at least that long): one snapshot, so what is checked and what replaces the
 * fingerprint come from the same moment.
 */
export async function readHead(fh: FileHandle, into: Buffer): Promise<Buffer> {
  let got = 0;
  while (got < FINGERPRINT_BYTES) {
    const { bytesRead } = await fh.read(into, got, FINGERPRINT_BYTES - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return into.subarray(0, got);
}

/** The fingerprint of `head`, a file's first bytes. */
export function fingerprintOfHead(head: Buffer): Fingerprint {
  return {
    length: head.length,
    hash: createHash('sha256').update(head).digest('hex').slice(0, 32),
  };
}

/** The fingerprint of an empty file (it grows with the file). */
export const EMPTY_FINGERPRINT: Fingerprint = fingerprintOfHead(Buffer.alloc(0));

/** Whether `head` starts with the bytes `fp` was made of (an empty fingerprint: any head). */
export function headMatches(head: Buffer, fp: Fingerprint): boolean {
  if (head.length < fp.length) return false;
  if (fp.length === 0) return true;
  return fingerprintOfHead(head.subarray(0, fp.length)).hash === fp.hash;
}

/** Whether the file still starts with the bytes `fp` was made of. */
export async function startsWith(fh: FileHandle, fp: Fingerprint): Promise<boolean> {
  if (fp.length === 0) return true;
  // Per call, not shared: scans of several files may interleave.
  return headMatches(await readHead(fh, Buffer.allocUnsafe(FINGERPRINT_BYTES)), fp);
}
