import type { LogRecord, LogRecordInput } from '@clogs/protocol';
import type { FrameWriters, OpenFrame } from './buffer-pool.js';
import { FrameQueue } from './frame-queue.js';
import { plainRecords } from './frame-records.js';

/** Where a frame is in its life; the {@link FrameLedger} moves it on. */
export type FrameStage = 'queued' | 'in-flight' | 'awaiting-ack' | 'freed';

/** A finished frame, and the pooled buffer it lives in. */
export interface QueuedFrame {
  frame: Buffer;
  backing: Buffer;
  records: number;
  seq: number;
  stage: FrameStage;
  /** Sends of this frame whose callback has not come yet: its buffer is still the kernel's. */
  sending: number;
  /** A send of it succeeded (counted once in the stats, whichever send it was). */
  counted: boolean;
  /** Its body is sealed (encrypted), for the boot of the server it was last sent to. */
  sealed: boolean;
  /** With a spool: [segment, records, ...] for its records, in order (see spool/spool.ts). */
  spans: number[] | undefined;
}

/** Appends one record of segment `seg` to `spans` ([segment, records, ...]). */
export function addSpan(spans: number[], seg: number): void {
  const n = spans.length;
  if (n > 0 && spans[n - 2] === seg) spans[n - 1]!++;
  else spans.push(seg, 1);
}

/** Appends each record's segment of `spans` onto `segs`, one per record. */
export function spanSegments(spans: readonly number[] | undefined, segs: number[]): void {
  if (spans === undefined) return;
  for (let i = 0; i < spans.length; i += 2) for (let k = 0; k < spans[i + 1]!; k++) segs.push(spans[i]!);
}

/** u32 sequence order with wrap-around. */
const seqBefore = (a: number, b: number): boolean => ((a - b) | 0) < 0;

/** The lane whose first queued frame is the oldest (by seq), if any frame is queued. */
export function oldestQueued(lanes: readonly Lane[]): Lane | undefined {
  let oldest: Lane | undefined;
  for (const lane of lanes) {
    const head = lane.queue.first;
    if (head !== undefined && (oldest === undefined || seqBefore(head.seq, oldest.queue.first!.seq)))
      oldest = lane;
  }
  return oldest;
}

/**
 * One destination's batching: records are appended straight into the open frame; a full
 * frame is finished onto `queue` and the next record opens a frame in a fresh buffer.
 *
 * A lane with nothing open holds no writer and no buffer: it takes them from the pool
 * with its first record and gives them back once its open frame is finished or emptied,
 * so a server with no records costs no frame buffer. It only fills frames: the bytes it
 * holds are counted by the ledger, which reads {@link bytes} around every change.
 */
export class Lane {
  readonly queue = new FrameQueue<QueuedFrame>();
  /** Bytes of finished frames waiting in `queue`. */
  queuedBytes = 0;
  queuedRecords = 0;
  /** The open frame's writer and buffer; none while nothing is open. */
  private open: OpenFrame | undefined;
  /** With a spool: the spool segments of the open frame's records. */
  private openSpans: number[] | undefined;

  constructor(
    /** Frames get room for a seal (the client has a key); they are sealed when first sent. */
    private readonly sealedLayout: boolean,
    private readonly writers: FrameWriters,
  ) {}

  /** Records in the open frame. */
  get openRecords(): number {
    return this.open === undefined ? 0 : this.open.writer.count;
  }

  /** Bytes of the open frame (0 when empty). */
  get openBytes(): number {
    const w = this.open?.writer;
    return w === undefined || w.count === 0 ? 0 : w.byteLength;
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
    if (this.open === undefined) this.open = this.writers.take();
    let fits: boolean;
    try {
      fits = this.open.writer.append(record);
    } catch (err) {
      if (this.open.writer.count === 0) this.putBack();
      throw err;
    }
    if (fits) return false;
    this.finish(nextSeq(), flags);
    this.open = this.writers.take();
    try {
      this.open.writer.append(record);
    } catch (err) {
      this.putBack();
      throw err;
    }
    return true;
  }

  /** The bytes of the record just appended (a view into the open frame, valid until the next append). */
  lastRecord(): Buffer {
    return this.open!.writer.lastRecord;
  }

  /** With a spool: the record just appended (it is in the open frame) came from segment `seg`. */
  tag(seg: number): void {
    if (this.openSpans === undefined) this.openSpans = [];
    addSpan(this.openSpans, seg);
  }

  /** Moves the open frame, if any, to the send queue. */
  seal(seq: number, flags: number): void {
    this.finish(seq, flags);
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

  /** Empties the open frame, dropping its records (queued frames are the caller's to take); returns how many. */
  clearOpen(): number {
    const records = this.openRecords;
    this.putBack();
    return records;
  }

  /**
   * Empties the lane (queued frames and the open frame) onto `records`, copied, in
   * order, and returns the frames, whose buffers the caller frees: for re-routing when
   * its server goes down. `seq` numbers the open frame.
   */
  drain(seq: number, records: LogRecord[]): QueuedFrame[] {
    this.finish(seq, 0);
    const frames: QueuedFrame[] = [];
    // Queued frames are not sealed yet: their records are read as they are.
    for (let q = this.shift(); q !== undefined; q = this.shift()) {
      plainRecords(q.frame, this.sealedLayout, records);
      frames.push(q);
    }
    return frames;
  }

  private finish(seq: number, flags: number): void {
    const open = this.open;
    if (open === undefined) return;
    const w = open.writer;
    const records = w.count;
    if (records === 0) {
      this.putBack();
      return;
    }
    const frame = w.finish(seq, flags);
    // A one-off frame for an oversized record lives in its own buffer, not the pooled one.
    const pooled = frame.buffer === open.buffer.buffer;
    const backing = pooled ? open.buffer : (frame as Buffer);
    this.queue.push({
      frame,
      backing,
      records,
      seq,
      stage: 'queued',
      sending: 0,
      counted: false,
      sealed: false,
      spans: this.openSpans,
    });
    this.openSpans = undefined;
    this.queuedBytes += frame.length;
    this.queuedRecords += records;
    // The frame keeps the pooled buffer; the writer goes back without it.
    this.open = undefined;
    this.writers.giveWriter(open, !pooled);
  }

  /** The open frame is empty or dropped: writer and buffer go back to the pool. */
  private putBack(): void {
    const open = this.open;
    this.openSpans = undefined;
    if (open === undefined) return;
    this.open = undefined;
    this.writers.giveWriter(open, true);
  }
}
