import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { BatchWriter, type LogRecordInput } from '@clogs/protocol';
import { ENTRY_HEAD_BYTES, MAGIC, writeEntryHead } from './segment-format.js';

/** An entry's frame budget: big frames, few entry heads; a record past it gets a frame of its own. */
const ENTRY_FRAME_BYTES = 32 * 1024;
/** Entries gathered in memory are written once this many bytes wait (or at the flush tick). */
const WRITE_BYTES = 128 * 1024;

/**
 * Appends records to one segment file: records are encoded into the open entry's frame,
 * finished entries gather in `out`, and one write() puts them in the file (the kernel's
 * page cache: from then on a killed process loses none of them). Whether the file is
 * also forced to the disk is the manager's fsync policy.
 */
export class SegmentWriter {
  /** Bytes in the file (written), magic included. */
  bytes: number;
  /** Records encoded but not yet written (open entry and `out`). */
  pendingRecords = 0;
  private readonly fd: number;
  private readonly frame = new BatchWriter({ sender: 0, maxDatagramBytes: ENTRY_FRAME_BYTES });
  private out = Buffer.allocUnsafe(WRITE_BYTES + ENTRY_FRAME_BYTES + ENTRY_HEAD_BYTES);
  private outBytes = 0;
  private outRecords = 0;
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

  /** Bytes the file will have once everything encoded is written. */
  get size(): number {
    return (
      this.bytes + this.outBytes + (this.frame.count === 0 ? 0 : ENTRY_HEAD_BYTES + this.frame.byteLength)
    );
  }

  /**
   * Encodes a record into the open entry; writes what has gathered once it is big enough.
   * Returns the records that reached the file.
   * @throws {ProtocolError} for a record the wire format refuses (nothing is written).
   */
  append(rec: LogRecordInput): number {
    if (!this.frame.append(rec)) {
      this.endEntry();
      this.frame.append(rec);
    }
    this.pendingRecords++;
    return this.outBytes >= WRITE_BYTES ? this.write() : 0;
  }

  /** Ends the open entry: the next record starts a new one. */
  endEntry(): void {
    const n = this.frame.count;
    if (n === 0) return;
    const frame = this.frame.finish(0);
    const need = this.outBytes + ENTRY_HEAD_BYTES + frame.length;
    if (need > this.out.length) {
      const grown = Buffer.allocUnsafe(need);
      this.out.copy(grown, 0, 0, this.outBytes);
      this.out = grown;
    }
    writeEntryHead(this.out, this.outBytes, frame);
    frame.copy(this.out, this.outBytes + ENTRY_HEAD_BYTES);
    this.outBytes = need;
    this.outRecords += n;
    this.frame.reset();
  }

  /**
   * Writes the finished entries (not the open one); returns how many records that put in
   * the file. @throws the fs error (ENOSPC, EIO): the entries stay in `out`.
   */
  write(): number {
    if (this.outBytes === 0) return 0;
    writeAll(this.fd, this.out, this.outBytes);
    this.bytes += this.outBytes;
    const n = this.outRecords;
    this.pendingRecords -= n;
    this.outBytes = 0;
    this.outRecords = 0;
    return n;
  }

  /** Ends the entry and writes everything; returns the records written. */
  flush(): number {
    this.endEntry();
    return this.write();
  }

  fsync(): void {
    fsyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  let at = 0;
  while (at < length) at += writeSync(fd, buf, at, length - at);
}
