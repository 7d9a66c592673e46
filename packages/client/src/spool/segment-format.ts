import { crc32 } from 'node:zlib';

/**
 * The layout of a spool segment file (see the README's Disk spool):
 *
 *     file   = magic (8 bytes, "clogspl1") entry*
 *     entry  = length (u32 BE) crc32 (u32 BE, of the frame) frame (length bytes)
 *
 * Each frame is a clogs version 2 LOG frame in plaintext, as a lane lays it out before
 * sealing: its records keep their own `time_us`, so a replay sends the original times.
 * Entries are only ever appended; a file ends at the last entry whose length and CRC
 * hold, and anything after it (a write cut short by a kill, a corrupt block) is cut.
 */
export const MAGIC = Buffer.from('clogspl1', 'latin1');
export const ENTRY_HEAD_BYTES = 8;

/** A spool segment's file name: its number, zero-padded so names sort as numbers do. */
export function segmentName(id: number): string {
  return `${String(id).padStart(10, '0')}.seg`;
}

/** The number of a segment file, or undefined for a file that is not one. */
export function segmentId(name: string): number | undefined {
  const m = /^(\d{10})\.seg$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** Writes an entry's head (length, CRC32 of `frame`) at `at` of `out`. */
export function writeEntryHead(out: Buffer, at: number, frame: Uint8Array): void {
  out.writeUInt32BE(frame.length, at);
  out.writeUInt32BE(crc32(frame), at + 4);
}

/** The frame's CRC32 matches the one its entry head says. */
export function entryIntact(frame: Uint8Array, crc: number): boolean {
  return crc32(frame) === crc;
}
