import { Flag, type LogRecord, type LogRecordInput } from '@clogs/protocol';
import type { DropReporter } from '../events/drop-reporter.js';
import { FrameWriters } from './buffer-pool.js';
import { Lane, oldestQueued, type QueuedFrame, spanSegments } from './lane.js';
import { LedgerSignals } from './ledger-signals.js';
import type { LedgerListener, OnFull, QueueLimits, RecordTracker } from './ledger-types.js';

const FRAME_FLAGS = Flag.ACK_WANTED; // in both modes: ACKs clock the sending (at-least-once: and free frames)

/**
 * Every frame of the client, from the record that opens it to the moment its buffer is
 * free, and the bound on their memory. A frame is filled in a {@link Lane} (one for each
 * server that has had records, one for records with no server up), then moves
 *
 *     queued → in-flight (taken to be sent) → awaiting-ack (at-least-once) → freed
 *
 * where in-flight is freed when sent at-most-once, and a frame can also be freed from
 * any stage before (dropped, given up, re-routed). Resending and resealing keep a frame
 * where it is; only {@link sendStarted}/{@link sendEnded} mark its buffer as the
 * kernel's meanwhile, and a frame freed during a send gives its buffer back at the end.
 *
 * With a spool every record is on disk before it is queued (spooled): a frame carries
 * the spans of segments its records came from, freeing it releases them ({@link free}),
 * except where its records move on ({@link freeUnfinished}: re-routed, or given up and
 * left in the spool for the next start). With marks, the spans name mark groups instead.
 *
 * Invariant: `held` = the bytes of every frame not yet freed (the lanes' open and queued
 * frames, and the frames taken off them), and `unacked` = the bytes of those awaiting an
 * ACK. Only this class writes either, and only by a frame's change of stage (or by the
 * lanes' byte count read around a change it makes to a lane).
 * Past `maxQueueBytes` records are dropped (`onFull`); past `highWaterBytes` of what is
 * not yet sent, log() says stop, and {@link LedgerSignals} gives `drain` below half of it.
 */
export class FrameLedger {
  held = 0;
  unacked = 0;
  sending = 0; // sends whose callback has not come yet
  readonly parked: Lane; // records waiting because no server is up
  private readonly writers: FrameWriters;
  private readonly lanes: Lane[] = [];
  private seq: number;
  /** With a spool or marks: told of frames done with (their spans released). */
  tracker: RecordTracker | undefined;
  /** What a full queue drops; a live config changes it through {@link setOnFull}. */
  private onFull: OnFull;
  private readonly signals: LedgerSignals;
  readonly nextSeq = (): number => {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  };

  constructor(
    private readonly limits: QueueLimits,
    sender: number,
    /** Frames get room for a seal (the client has a key). */
    private readonly sealedLayout: boolean,
    firstSeq: number,
    private readonly drops: DropReporter,
    listener: LedgerListener,
  ) {
    this.seq = firstSeq;
    this.signals = new LedgerSignals(limits, listener);
    this.onFull = limits.onFull;
    this.writers = FrameWriters.forQueue(limits.maxDatagramBytes, limits.maxQueueBytes, sender, sealedLayout);
    this.parked = this.newLane();
  }

  /** A lane for a new server. */
  newLane(): Lane {
    const lane = new Lane(this.sealedLayout, this.writers);
    this.lanes.push(lane);
    return lane;
  }

  /** A server left (its lane was drained first). */
  retire(lane: Lane): void {
    this.lanes.splice(this.lanes.indexOf(lane), 1);
  }

  /** A full queue drops `onFull` from the next record on. */
  setOnFull(onFull: OnFull): void {
    this.onFull = onFull;
  }

  /** Under maxQueueBytes, nothing dropped to get there (with a spool, past it records wait on disk). */
  get underLimit(): boolean {
    return this.held < this.limits.maxQueueBytes;
  }

  /** Room for records loaded back from a spool: under maxQueueBytes and under the high-water mark. */
  get takesBacklog(): boolean {
    return this.underLimit && this.held - this.unacked < this.limits.highWaterBytes;
  }

  /** Room for one more record: under maxQueueBytes, or onFull 'drop-oldest' made some. */
  hasRoom(): boolean {
    return this.underLimit || this.dropOldest();
  }

  /** onFull 'drop-newest': the record is refused. */
  refuse(): void {
    this.drops.drop('queue_full', 1);
    this.signals.owe();
  }

  /** Appends a record to a lane; true when that sealed a frame (one is ready to send). */
  append(lane: Lane, rec: LogRecordInput, seg?: number): boolean {
    const before = lane.bytes;
    let sealed: boolean;
    try {
      sealed = lane.append(rec, this.nextSeq, FRAME_FLAGS);
    } finally {
      this.held += lane.bytes - before; // a record refused may still have sealed the frame before it
    }
    if (seg !== undefined) lane.tag(seg);
    this.signals.held();
    return sealed;
  }

  /** Past the high-water mark of what is not yet sent: log() returns false, and `drain` will follow. */
  overHighWater(): boolean {
    if (this.held - this.unacked < this.limits.highWaterBytes) return false;
    this.signals.owe();
    return true;
  }

  /** Seals every server's open frame (parked records are routed before they are sent). */
  sealAll(): void {
    for (const lane of this.lanes) {
      if (lane === this.parked || lane.openRecords === 0) continue;
      const before = lane.bytes;
      lane.seal(this.nextSeq(), FRAME_FLAGS);
      this.held += lane.bytes - before;
    }
  }

  /** queued → in-flight: the first frame of a lane is taken to be sent (its bytes stay held). */
  take(lane: Lane): QueuedFrame | undefined {
    const q = lane.shift();
    if (q !== undefined) q.stage = 'in-flight';
    return q;
  }

  /** A send of `q` starts: its buffer is the kernel's until {@link sendEnded}. */
  sendStarted(q: QueuedFrame): void {
    this.sending++;
    q.sending++;
  }

  /** A send of `q` ended: a frame freed meanwhile gives its buffer back; drain and idle are checked. */
  sendEnded(q: QueuedFrame): void {
    this.sending--;
    q.sending--;
    if (q.sending === 0 && q.stage === 'freed') this.writers.buffers.give(q.backing);
    this.settled();
  }

  /** in-flight → awaiting-ack (at-least-once): sent, and held until its ACK. */
  awaitAck(q: QueuedFrame): void {
    if (q.stage !== 'in-flight') return;
    q.stage = 'awaiting-ack';
    this.unacked += q.frame.length;
  }

  /**
   * → freed: a frame is done with (sent at-most-once, acknowledged, given up, re-routed,
   * dropped); its bytes are no longer held. Freeing a freed frame does nothing. A send
   * still pending owns the buffer: it goes back when the send ends.
   */
  free(q: QueuedFrame): void {
    if (q.stage === 'freed') return;
    this.tracker?.release(q.spans);
    this.freeUnfinished(q);
  }

  /** → freed, its records not done with: re-routed, or given up with a spool (they stay on disk). */
  freeUnfinished(q: QueuedFrame): void {
    if (q.stage === 'freed') return;
    if (q.stage === 'awaiting-ack') this.unacked -= q.frame.length;
    q.stage = 'freed';
    this.held -= q.frame.length;
    if (q.sending === 0) this.writers.buffers.give(q.backing);
  }

  /** Frees frames (acknowledged), then checks drain and idle once for all of them. */
  freeAll(frames: readonly QueuedFrame[]): void {
    for (const q of frames) this.free(q);
    this.settled();
  }

  /** Re-route: empties a lane onto `records` (copied, in order, before a buffer is reused) and frees its frames. */
  drain(lane: Lane, records: LogRecord[], segs?: number[]): void {
    const before = lane.bytes;
    const frames = lane.drain(this.nextSeq(), records);
    // Each record keeps its tag (spool segment, mark group) into the frame it moves to.
    if (segs !== undefined) for (const q of frames) spanSegments(q.spans, segs);
    // The open frame became a queued one and left with the rest: all of `before` is let go.
    this.held -= before;
    for (const q of frames) {
      q.stage = 'freed';
      this.writers.buffers.give(q.backing);
    }
  }

  /** Drops every queued and parked record (not those taken to be sent); returns how many. */
  clearAll(): number {
    let records = 0;
    for (const lane of this.lanes) {
      this.held -= lane.openBytes;
      records += lane.clearOpen();
      for (let q = this.take(lane); q !== undefined; q = this.take(lane)) {
        records += q.records;
        this.freeUnfinished(q);
      }
    }
    return records;
  }

  /** Owes no 'drain' (a producer waiting for room would refill a queue nothing delivers); idle is checked. */
  abandon(): void {
    this.signals.forgive();
    this.settled();
  }

  get idle(): boolean {
    return this.sending === 0 && this.held === 0;
  }

  /** After frames were sent, freed or given up: `drain` and idleness are checked. */
  private settled(): void {
    this.tracker?.settled();
    this.signals.settled(this.held - this.unacked);
    if (this.idle) this.signals.idle();
  }

  /** onFull 'drop-oldest': drops queued frames, oldest first (by seq), until there is room. */
  private dropOldest(): boolean {
    if (this.onFull !== 'drop-oldest') return false;
    while (this.held >= this.limits.maxQueueBytes) {
      const oldest = oldestQueued(this.lanes);
      if (oldest === undefined) return false;
      const q = this.take(oldest)!;
      this.free(q);
      this.drops.drop('oldest_dropped', q.records);
    }
    return true;
  }
}
