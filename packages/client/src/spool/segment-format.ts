import { crc32 } from 'node:zlib';

/**
 * The layout of a spool segment file (see the README's Disk spool):
 *
 *     file    = magic (8 bytes, "clogspl2") entry*
 *     entry   = length (u32 BE) crc32 (u32 BE, of the payload) payload (length bytes)
 *     payload = count (u16 BE) record*
 *
 * Records are in the wire layout of a LOG frame's body (@clogs/protocol): each keeps its
 * own `time_us`, so a replay sends the original times. They are never sealed here: a
 * record is sealed when its frame is first sent. Entries are only ever appended; a file
 * ends at the last entry whose length and CRC hold, and anything after it (a write cut
 * short by a kill, a corrupt block) is cut.
 */
export const MAGIC = Buffer.from('clogspl2', 'latin1');
/** length and crc32. */
export const ENTRY_HEAD_BYTES = 8;
/** The payload's record count. */
export const COUNT_BYTES = 2;

/** A spool segment's file name: its number, zero-padded so names sort as numbers do. */
export function segmentName(id: number): string {
  return `${String(id).padStart(10, '0')}.seg`;
}

/** The number of a segment file, or undefined for a file that is not one. */
export function segmentId(name: string): number | undefined {
  const m = /^(\d{10})\.seg$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** Fills in the head of the entry whose payload is `out[at + 8, end)`: its length and CRC32. */
export function writeEntryHead(out: Buffer, at: number, end: number): void {
  const payload = out.subarray(at + ENTRY_HEAD_BYTES, end);
  out.writeUInt32BE(payload.length, at);
  out.writeUInt32BE(crc32(payload), at + 4);
}

/** The payload's CRC32 matches the one its entry head says. */
export function entryIntact(payload: Uint8Array, crc: number): boolean {
  return crc32(payload) === crc;
}
