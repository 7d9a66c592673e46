import type { QueuedFrame } from '../batch/lane.js';
import type { SendSample } from './rate-control.js';

/** A frame sent with ACK_WANTED and not yet acknowledged. */
export interface Unacked {
  q: QueuedFrame;
  sentAt: number;
  /** Sends so far (1 after the first). */
  tries: number;
  /** How many frames this server had been sent before this one. */
  index: number;
  /** Its latest send's place among this server's sends, first or again: RACK's order. */
  order: number;
  /** For the delivery-rate sample its ACK gives. */
  sample: SendSample;
}

/**
 * What one ACK datagram acknowledged, summed, so the link updates its books once per
 * datagram, not once per frame: the frames (their memory is released), their bytes and
 * records, the frame sent last (its delivery-rate sample) and the round trip.
 */
export class AckBatch {
  readonly frames: QueuedFrame[] = [];
  bytes = 0;
  records = 0;
  /** The frame first sent last among those acknowledged. */
  newest: Unacked | undefined;
  /** The frame sent last among those sent once (Karn: a resent frame's ACK times nothing). */
  lastSentOnce: Unacked | undefined;
  /** Its round trip, ms. */
  rttMs: number | undefined;
  /** The latest send order (first or again) among the frames acknowledged. */
  latestOrder = -1;

  reset(): void {
    this.lastSentOnce = undefined;
    this.latestOrder = -1;
    this.frames.length = 0;
    this.bytes = 0;
    this.records = 0;
    this.newest = undefined;
    this.rttMs = undefined;
  }
}
