import { Flag, type LogRecordInput } from '@clogs/protocol';
import type { DropReporter } from '../events/drop-reporter.js';
import { BufferPool } from './buffer-pool.js';
import { type ByteMeter, Lane, type QueuedFrame } from './lane.js';

/** ACK_WANTED, in both modes: ACKs clock the sending (at-least-once: and release frames). */
const FRAME_FLAGS = Flag.ACK_WANTED;

export interface QueueLimits {
  maxDatagramBytes: number;
  maxQueueBytes: number;
  highWaterBytes: number;
  onFull: 'drop-newest' | 'drop-oldest';
}

/** What the queue tells its client. */
export interface QueueListener {
  /** Records are held again after an idle spell. */
  busy(): void;
  /** log() returned false, and the queue is below half the high-water mark again. */
  drain(): void;
  /** Nothing queued, being sent, or awaiting an ACK. */
  idle(): void;
}

/**
 * The client's memory for records, and the bound on it: every lane (one per server,
 * and the parked one for records with no server up), the frames taken off them until
 * they are done with, the sequence that numbers frames, and the spare buffers.
 *
 * `held` counts every byte the client holds for records not yet delivered: queued,
 * being sent, and at-least-once awaiting an ACK. The lanes count what goes in and out of
 * them (see {@link Lane}); a frame taken off a lane is subtracted here, once, when it is
 * {@link release}d. Past `maxQueueBytes` records are dropped (`onFull`); past
 * `highWaterBytes` of what is not yet sent, log() says stop, and `drain` follows below
 * half of it.
 */
export class QueueBudget implements ByteMeter {
  held = 0;
  /** At-least-once: bytes of `held` that are sent and await their ACK (not the queue a producer fills). */
  unacked = 0;
  /** Sends whose callback has not come yet. */
  sending = 0;
  /** Records waiting because no server is up. */
  readonly parked: Lane;
  private readonly pool: BufferPool;
  private readonly lanes: Lane[] = [];
  private seq: number;
  private needDrain = false;
  private busy = false;
  readonly nextSeq = () => {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  };

  constructor(
    private readonly limits: QueueLimits,
    private readonly sender: number,
    /** Frames get room for a seal (the client has a key). */
    private readonly sealed: boolean,
    firstSeq: number,
    private readonly drops: DropReporter,
    private readonly listener: QueueListener,
  ) {
    this.seq = firstSeq;
    // Spare buffers are memory maxQueueBytes does not count: keep a quarter of it at most.
    const { maxDatagramBytes, maxQueueBytes } = limits;
    const spares = Math.floor(maxQueueBytes / maxDatagramBytes / 4);
    this.pool = new BufferPool(maxDatagramBytes, Math.min(256, Math.max(2, spares)));
    this.parked = this.newLane();
  }

  /** A lane for a new server. */
  newLane(): Lane {
    const lane = new Lane(this.sender, this.limits.maxDatagramBytes, this.sealed, this.pool, this);
    this.lanes.push(lane);
    return lane;
  }

  /** A server left; its lane was drained first. */
  retire(lane: Lane): void {
    this.lanes.splice(this.lanes.indexOf(lane), 1);
  }

  /** Room for one more record: under maxQueueBytes, or onFull 'drop-oldest' made some. */
  hasRoom(): boolean {
    return this.held < this.limits.maxQueueBytes || this.dropOldest();
  }

  /** onFull 'drop-newest': the record is refused. */
  refuse(): void {
    this.drops.drop('queue_full', 1);
    this.needDrain = true;
  }

  /** Appends a record to a lane; true when that sealed a frame (one is ready to send). */
  append(lane: Lane, rec: LogRecordInput): boolean {
    const sealed = lane.append(rec, this.nextSeq, FRAME_FLAGS);
    if (!this.busy) {
      this.busy = true;
      this.listener.busy();
    }
    return sealed;
  }

  /** Past the high-water mark of what is not yet sent: log() returns false, and `drain` will follow. */
  overHighWater(): boolean {
    if (this.held - this.unacked < this.limits.highWaterBytes) return false;
    this.needDrain = true;
    return true;
  }

  /** Seals every server's open frame (parked records are routed before they are sent). */
  sealAll(): void {
    for (const lane of this.lanes) if (lane !== this.parked) lane.seal(this.nextSeq(), FRAME_FLAGS);
  }

  /** A send of `q` starts: its buffer is the kernel's until {@link sendEnded}. */
  sendStarted(q: QueuedFrame): void {
    this.sending++;
    q.sending++;
  }

  sendEnded(q: QueuedFrame): void {
    this.sending--;
    q.sending--;
    if (q.sending === 0 && q.freeAfterSend) {
      q.freeAfterSend = false;
      this.pool.give(q.backing);
    }
  }

  /** At-least-once: a sent frame awaits its ACK. */
  awaitAck(q: QueuedFrame): void {
    this.unacked += q.frame.length;
  }

  /** A frame is done with (sent at-most-once, acknowledged, re-routed, dropped): its memory is free. */
  release(q: QueuedFrame): void {
    this.held -= q.frame.length;
    // A send still pending owns the bytes: the buffer goes back when it ends.
    if (q.sending > 0) q.freeAfterSend = true;
    else this.pool.give(q.backing);
  }

  /** At-least-once: a frame no longer awaits its ACK (acknowledged, given up, re-routed). */
  releaseUnacked(q: QueuedFrame): void {
    this.unacked -= q.frame.length;
    this.release(q);
  }

  /** Drops every queued and parked record; returns how many. */
  clearAll(): number {
    let records = 0;
    for (const lane of this.lanes) records += lane.clear();
    return records;
  }

  /** No 'drain' is owed: records were given up, and a producer waiting for room would refill a queue nothing delivers. */
  forgetDrain(): void {
    this.needDrain = false;
  }

  get idle(): boolean {
    return this.sending === 0 && this.held === 0;
  }

  /** After frames were sent, acknowledged or given up: `drain` and idleness are checked. */
  settled(): void {
    if (this.needDrain && this.held - this.unacked <= this.limits.highWaterBytes >>> 1) {
      this.needDrain = false;
      this.listener.drain();
    }
    if (this.idle) {
      this.busy = false;
      this.listener.idle();
    }
  }

  /** onFull 'drop-oldest': drops queued frames, oldest first (by seq), until there is room. */
  private dropOldest(): boolean {
    if (this.limits.onFull !== 'drop-oldest') return false;
    while (this.held >= this.limits.maxQueueBytes) {
      let oldest: Lane | undefined;
      for (const lane of this.lanes) {
        const head = lane.queue[0];
        if (head !== undefined && (oldest === undefined || seqBefore(head.seq, oldest.queue[0]!.seq))) {
          oldest = lane;
        }
      }
      if (oldest === undefined) return false;
      const q = oldest.shift()!;
      this.release(q);
      this.drops.drop('oldest_dropped', q.records);
    }
    return true;
  }
}

/** u32 sequence order with wrap-around. */
function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}
