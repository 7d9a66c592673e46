import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { BatchWriter, type LogRecordInput, MAX_DATAGRAM_BYTES } from '@clogs/protocol';
import { COUNT_BYTES, ENTRY_HEAD_BYTES, MAGIC, writeEntryHead } from './segment-format.js';

/** An entry's payload closes past this many bytes (a bigger record has one of its own). */
const ENTRY_BYTES = 32 * 1024;
/** Entries gathered in memory are written once this many bytes wait (or at the flush tick). */
const WRITE_BYTES = 128 * 1024;

/**
 * Appends records to one segment file: their bytes (already encoded, usually copied from
 * the frame they were encoded into) go into the open entry in `out`; a full entry is
 * closed with its length and CRC; one write() puts the gathered entries in the file (the
 * kernel's page cache: from then on a killed process loses none of them). Whether the
 * file is also forced to the disk is the manager's fsync policy.
 */
export class SegmentWriter {
  /** Bytes in the file (written), magic included. */
  bytes: number;
  /** Records in `out` (open entry included), not yet written. */
  pendingRecords = 0;
  private readonly fd: number;
  private out = Buffer.allocUnsafe(WRITE_BYTES + ENTRY_BYTES + MAX_DATAGRAM_BYTES);
  private outBytes = 0;
  /** Where the open entry starts in `out` (its head), and its records; -1: none open. */
  private entryAt = -1;
  private entryRecords = 0;
  /** Encodes a record that went to no frame (it waits on disk only). */
  private scratch: BatchWriter | undefined;
  private closed = false;

  /** @throws the fs error when the file cannot be made or written. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
    try {
      writeAll(this.fd, MAGIC, MAGIC.length);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
    this.bytes = MAGIC.length;
  }

  /** Bytes the file will have once everything gathered is written. */
  get size(): number {
    return this.bytes + this.outBytes;
  }

  /**
   * Appends a record's bytes (wire layout); writes the gathered entries first when
   * enough wait. Returns the records that reached the file.
   */
  appendEncoded(record: Uint8Array): number {
    let written = 0;
    if (this.entryAt >= 0 && this.outBytes - this.entryAt + record.length > ENTRY_BYTES) {
      this.endEntry();
      if (this.outBytes >= WRITE_BYTES) written = this.flush();
    }
    if (this.entryAt < 0) {
      this.entryAt = this.outBytes;
      this.outBytes += ENTRY_HEAD_BYTES + COUNT_BYTES;
    }
    this.room(record.length);
    this.out.set(record, this.outBytes);
    this.outBytes += record.length;
    this.entryRecords++;
    this.pendingRecords++;
    return written;
  }

  /**
   * Encodes a record (one that goes to disk only) and appends it.
   * @throws {ProtocolError} for a record the wire format refuses (nothing is appended).
   */
  append(rec: LogRecordInput): number {
    this.scratch ??= new BatchWriter({ sender: 0, maxDatagramBytes: MAX_DATAGRAM_BYTES });
    if (!this.scratch.append(rec)) {
      this.scratch.reset();
      this.scratch.append(rec);
    }
    return this.appendEncoded(this.scratch.lastRecord);
  }

  /** Closes the open entry: the next record starts a new one. */
  endEntry(): void {
    if (this.entryAt < 0) return;
    this.out.writeUInt16BE(this.entryRecords, this.entryAt + ENTRY_HEAD_BYTES);
    writeEntryHead(this.out, this.entryAt, this.outBytes);
    this.entryAt = -1;
    this.entryRecords = 0;
  }

  /**
   * Closes the entry and writes everything gathered; returns the records that put in the
   * file. @throws the fs error (ENOSPC, EIO).
   */
  flush(): number {
    this.endEntry();
    if (this.outBytes === 0) return 0;
    writeAll(this.fd, this.out, this.outBytes);
    this.bytes += this.outBytes;
    this.outBytes = 0;
    const n = this.pendingRecords;
    this.pendingRecords = 0;
    return n;
  }

  fsync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** `out` holds `n` more bytes. */
  private room(n: number): void {
    if (this.outBytes + n <= this.out.length) return;
    const grown = Buffer.allocUnsafe(2 * (this.outBytes + n));
    this.out.copy(grown, 0, 0, this.outBytes);
    this.out = grown;
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let at = 0;
  while (at < length) at += writeSync(fd, buf, at, length - at);
}
