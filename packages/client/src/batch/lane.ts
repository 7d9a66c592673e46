import { BatchWriter, type LogRecord, type LogRecordInput } from '@clogs/protocol';
import type { BufferPool } from './buffer-pool.js';
import { plainRecords } from './frame-records.js';

/** A finished frame waiting to be sent, and the pooled buffer it lives in. */
export interface QueuedFrame {
  frame: Buffer;
  backing: Buffer;
  records: number;
  seq: number;
  /** Sends of this frame whose callback has not come yet: its buffer is still the kernel's. */
  sending: number;
  /** Released while a send was pending: the buffer goes back to the pool when it ends. */
  freeAfterSend: boolean;
  /** A send of it succeeded (counted once in the stats, whichever send it was). */
  counted: boolean;
  /** Its body is sealed (encrypted), for the boot of the server it was last sent to. */
  sealed: boolean;
}

/** Where a lane counts the bytes it takes in and lets go of (the client's queue budget). */
export interface ByteMeter {
  held: number;
}

/**
 * One destination's batching, the seeds' multi-buffer producer side: records are
 * appended straight into the open frame; a full frame is finished onto the send queue and
 * the writer carries on in the next buffer from the pool.
 *
 * The lane keeps `meter.held` in step with what it holds, and only it does: records in
 * add their bytes, sealing adds what the frame's finish adds, records dropped or moved
 * out subtract theirs. A frame taken off the queue to be sent stays held (the meter's
 * owner subtracts it once the frame is done with).
 */
export class Lane {
  readonly queue: QueuedFrame[] = [];
  /** Bytes of finished frames waiting in `queue`. */
  queuedBytes = 0;
  queuedRecords = 0;
  private readonly writer: BatchWriter;
  private backing: Buffer;

  constructor(
    sender: number,
    maxDatagramBytes: number,
    /** Frames get room for a seal (the client has a key); they are sealed when first sent. */
    private readonly sealed: boolean,
    private readonly pool: BufferPool,
    private readonly meter: ByteMeter,
  ) {
    this.backing = pool.take();
    this.writer = new BatchWriter({ sender, maxDatagramBytes, sealed, buffer: this.backing });
  }

  /** Records in the open frame. */
  get openRecords(): number {
    return this.writer.count;
  }

  /** Bytes of the open frame (0 when empty). */
  get openBytes(): number {
    return this.writer.count === 0 ? 0 : this.writer.byteLength;
  }

  /** Bytes of the queued frames and the open frame. */
  get bytes(): number {
    return this.queuedBytes + this.openBytes;
  }

  /**
   * Appends a record; finishes the open frame first when it is full (`nextSeq` numbers it).
   * True when a frame was finished onto the queue.
   * @throws {ProtocolError} when the record breaks a rule (the record is not taken).
   */
  append(record: LogRecordInput, nextSeq: () => number, flags: number): boolean {
    const before = this.bytes;
    if (this.writer.append(record)) {
      this.meter.held += this.bytes - before;
      return false;
    }
    this.finish(nextSeq(), flags);
    try {
      this.writer.append(record);
    } finally {
      this.meter.held += this.bytes - before;
    }
    return true;
  }

  /** Moves the open frame, if any, to the send queue. */
  seal(seq: number, flags: number): void {
    const before = this.bytes;
    this.finish(seq, flags);
    this.meter.held += this.bytes - before;
  }

  private finish(seq: number, flags: number): void {
    const records = this.writer.count;
    if (records === 0) return;
    const frame = this.writer.finish(seq, flags);
    // A one-off frame for an oversized record lives in its own buffer, not `backing`.
    const backing = frame.buffer === this.backing.buffer ? this.backing : (frame as Buffer);
    this.queue.push({
      frame,
      backing,
      records,
      seq,
      sending: 0,
      freeAfterSend: false,
      counted: false,
      sealed: false,
    });
    this.queuedBytes += frame.length;
    this.queuedRecords += records;
    if (backing === this.backing) this.backing = this.pool.take();
    this.writer.reset(this.backing);
  }

  /** Takes the first queued frame off the queue. */
  shift(): QueuedFrame | undefined {
    const q = this.queue.shift();
    if (q !== undefined) {
      this.queuedBytes -= q.frame.length;
      this.queuedRecords -= q.records;
    }
    return q;
  }

  /** Empties the lane, queued frames and the open frame, dropping their records; returns how many. */
  clear(): number {
    const records = this.queuedRecords + this.openRecords;
    this.meter.held -= this.bytes;
    for (let q = this.shift(); q !== undefined; q = this.shift()) this.pool.give(q.backing);
    this.writer.reset(this.backing);
    return records;
  }

  /**
   * Empties the lane (queued frames and the open frame) onto `records`, copied, in
   * order: for re-routing when its server goes down. `seq` numbers the open frame.
   */
  drain(seq: number, records: LogRecord[]): void {
    this.meter.held -= this.bytes;
    this.finish(seq, 0);
    // Queued frames are not sealed yet: their records are read as they are.
    for (let q = this.shift(); q !== undefined; q = this.shift()) {
      plainRecords(q.frame, this.sealed, records);
      this.pool.give(q.backing);
    }
  }
}
