import { closeSync, openSync, readFileSync, readSync, truncateSync, unlinkSync } from 'node:fs';
import { type FrameHeader, type LogRecord, MAX_DATAGRAM_BYTES, RecordCursor } from '@clogs/protocol';
import { COUNT_BYTES, ENTRY_HEAD_BYTES, entryIntact, MAGIC } from './segment-format.js';

/** The biggest payload an entry can have: a count and one record as big as a datagram holds. */
const MAX_PAYLOAD_BYTES = COUNT_BYTES + MAX_DATAGRAM_BYTES;

/** What recovery found in a segment a previous process left. */
export interface ScannedSegment {
  /** Bytes kept: up to the end of the last good entry (0: the file was removed). */
  bytes: number;
  records: number;
  /** Entries cut (a torn or corrupt tail counts as one), and the bytes cut. */
  cutEntries: number;
  cutBytes: number;
}

/** The length of a well-formed entry starting at `at` of `buf` (head included), or 0. */
function goodEntry(buf: Buffer, at: number): number {
  if (at + ENTRY_HEAD_BYTES > buf.length) return 0;
  const length = buf.readUInt32BE(at);
  const start = at + ENTRY_HEAD_BYTES;
  if (length <= COUNT_BYTES || start + length > buf.length) return 0;
  const payload = buf.subarray(start, start + length);
  if (!entryIntact(payload, buf.readUInt32BE(at + 4)) || payload.readUInt16BE(0) === 0) return 0;
  return ENTRY_HEAD_BYTES + length;
}

/**
 * Recovery of one segment file: reads it whole, keeps every entry up to the first one
 * whose length or CRC does not hold, and cuts the file there (truncated, so the cut is
 * counted once). A file with no good entry is removed.
 */
export function scanSegment(path: string): ScannedSegment {
  const buf = readFileSync(path);
  let at = 0;
  let records = 0;
  if (buf.length >= MAGIC.length && buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    at = MAGIC.length;
    for (let n = goodEntry(buf, at); n > 0; n = goodEntry(buf, at)) {
      records += buf.readUInt16BE(at + ENTRY_HEAD_BYTES);
      at += n;
    }
  }
  const cutBytes = buf.length - at;
  const cut = { cutEntries: cutBytes > 0 ? 1 : 0, cutBytes };
  if (records === 0) {
    unlinkSync(path);
    return { bytes: 0, records: 0, ...cut };
  }
  if (cutBytes > 0) truncateSync(path, at);
  return { bytes: at, records, ...cut };
}

/** Reads a segment's entries in order, from its start, for loading them into memory. */
export class SegmentReader {
  /** Where the next entry starts. */
  offset = MAGIC.length;
  private fd: number | undefined;
  private readonly head = Buffer.allocUnsafe(ENTRY_HEAD_BYTES);
  private payload = Buffer.allocUnsafe(64 * 1024);
  private readonly cursor = new RecordCursor();

  constructor(readonly path: string) {}

  /**
   * Copies the records of the next entry onto `into`, if one is whole below `end` (the
   * bytes written so far); returns how many, 0 at the end. A bad entry (its CRC fails)
   * returns -1: the rest of the segment cannot be trusted.
   */
  next(end: number, into: LogRecord[]): number {
    if (this.offset + ENTRY_HEAD_BYTES > end) return 0;
    this.fd ??= openSync(this.path, 'r');
    readExactly(this.fd, this.head, ENTRY_HEAD_BYTES, this.offset);
    const length = this.head.readUInt32BE(0);
    if (length <= COUNT_BYTES || length > MAX_PAYLOAD_BYTES || this.offset + ENTRY_HEAD_BYTES + length > end)
      return -1;
    if (this.payload.length < length) this.payload = Buffer.allocUnsafe(MAX_PAYLOAD_BYTES);
    const payload = this.payload.subarray(0, length);
    readExactly(this.fd, payload, length, this.offset + ENTRY_HEAD_BYTES);
    if (!entryIntact(payload, this.head.readUInt32BE(4))) return -1;
    this.offset += ENTRY_HEAD_BYTES + length;
    const count = payload.readUInt16BE(0);
    const body = { count, bodyStart: COUNT_BYTES, bodyEnd: length } as FrameHeader;
    const c = this.cursor.reset(payload, body);
    const before = into.length;
    try {
      // Copied (toRecord(true)): the payload buffer is read into again by the next entry.
      while (c.next()) into.push(c.toRecord(true));
    } catch {
      // Its CRC holds but a record breaks the wire format's rules: as untrustworthy as a bad CRC.
      into.length = before;
      return -1;
    }
    return count;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function readExactly(fd: number, buf: Buffer, length: number, position: number): void {
  let at = 0;
  while (at < length) {
    const n = readSync(fd, buf, at, length - at, position + at);
    if (n === 0) throw new Error(`spool segment ended at ${position + at}, ${length - at} bytes short`);
    at += n;
  }
}
