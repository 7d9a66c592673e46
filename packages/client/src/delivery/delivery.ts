import type { FrameLedger } from '../batch/frame-ledger.js';
import type { QueuedFrame } from '../batch/lane.js';
import type { RecordCounts } from '../client-types.js';
import type { DropReporter } from '../events/drop-reporter.js';
import type { AckPolicy } from '../health/ack-watch.js';
import type { Scheduler } from '../lifetime/scheduler.js';
import type { FrameSealer } from '../link/frame-sealer.js';
import type { Pacer } from '../transport/pacer.js';
import type { AckBatch } from './ack-batch.js';
import type { RateControl } from './rate-control.js';
import type { Retransmit } from './retransmit.js';

/** What a delivery strategy may do to one server's flow (a link). */
export interface LinkFlow {
  readonly rtx: Retransmit;
  readonly rc: RateControl;
  readonly pacer: Pacer;
  /** The server's boot, from its last PONG (with a key). */
  readonly boot: Buffer | undefined;
  /** Sends a frame again; its buffer stays put until the callback. */
  transmit(q: QueuedFrame, first: boolean): void;
  /** Stops waiting for a frame's ACK (its send failed); true if it was awaited. */
  forget(q: QueuedFrame): boolean;
  /** Frames were given up: the wait for an ACK dates from the oldest still awaited. */
  waitFrom(): void;
  /** Sends what the pacer and the window allow now. */
  sendNow(): void;
}

/** What the strategies share of the client. */
export interface DeliveryContext {
  readonly ledger: FrameLedger;
  readonly drops: DropReporter;
  readonly scheduler: Scheduler;
  readonly counts: RecordCounts;
  readonly sealer: FrameSealer;
}

/** What a strategy's window ceiling is sized by (the client's resolved options). */
export interface DeliverySizes {
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly maxDatagramBytes: number;
}

/**
 * What a delivery mode decides about a frame, one object per client for every server:
 * the link sends, counts and keeps the books of its flow, and asks its strategy what a
 * send, an ACK, a timeout or a lost server means for the frame and its records, what a
 * server's ACK silence leads to, and how large its window may grow. Nothing outside the
 * strategies asks which mode it is in.
 */
export interface Delivery {
  /** What a server's ACK silence leads to (see AckWatch). */
  readonly ackPolicy: AckPolicy;
  /** The ceiling of a link's window, bytes (see RateControl). */
  readonly maxWindowBytes: number;
  /** A frame goes out for the first time (its ACK is awaited in the flow already). */
  sending(q: QueuedFrame): void;
  /** A send of `q` went (`first`: its first; `counted`: the first that went). */
  sent(q: QueuedFrame, first: boolean, counted: boolean): void;
  /** A send of `q` failed with `code`. */
  sendFailed(flow: LinkFlow, q: QueuedFrame, code: string | undefined): void;
  /** Every tick, while the server is up and frames await their ACK: those past their timeout. */
  due(flow: LinkFlow, now: number): void;
  /** One ACK datagram's frames, settled in the flow already. */
  acked(b: AckBatch, now: number): void;
  /** The server is lost (down, gone, or the client gives up): the frames taken out of its flow to re-route or count. */
  lost(taken: QueuedFrame[]): QueuedFrame[];
  /** The server started a new boot: frames it has not ACKed. */
  newBoot(flow: LinkFlow, now: number): void;
}
