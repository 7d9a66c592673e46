import type { QueuedFrame } from '../batch/lane.js';
import type { AckPolicy } from '../health/ack-watch.js';
import type { AckBatch } from './ack-batch.js';
import type { Delivery, DeliveryContext, DeliverySizes, LinkFlow } from './delivery.js';

/**
 * A server that has not ACKed yet gets at least this long for its first ACK. A
 * clogs-server ACKs once the lines are written, and its first frames open (or create)
 * their files: a cold server on a loaded machine takes hundreds of ms for that.
 */
export const FIRST_ACK_GRACE_MS = 2000;

/** A server that sends no ACKs cannot keep the promise: it leaves the continuum. */
export const OUT_WHEN_SILENT: AckPolicy = {
  onSilence: 'out',
  judgeNeverAcked: false,
  firstAckGraceMs: FIRST_ACK_GRACE_MS,
};

/**
 * At-least-once: a frame is held until its ACK, resent on its timeout and, for a new
 * boot, resealed and resent at once; a lost server's frames are freed and returned to
 * be re-routed. Only a frame that can never go (too big for the path) is given up.
 */
export class AtLeastOnce implements Delivery {
  readonly ackPolicy = OUT_WHEN_SILENT;
  /**
   * Frames in flight are held until their ACK, so the window plus a producer's queue (up
   * to highWaterBytes and a frame) must fit in maxQueueBytes, or a producer that waits
   * for 'drain' could still see drops.
   */
  readonly maxWindowBytes: number;

  constructor(
    private readonly ctx: DeliveryContext,
    sizes: DeliverySizes,
  ) {
    this.maxWindowBytes = sizes.maxQueueBytes - sizes.highWaterBytes - 2 * sizes.maxDatagramBytes;
  }

  sending(q: QueuedFrame): void {
    this.ctx.ledger.awaitAck(q);
  }

  sent(): void {}

  sendFailed(flow: LinkFlow, q: QueuedFrame, code: string | undefined): void {
    // Resent on its timeout, unless it can never go.
    if (code !== 'EMSGSIZE' || !flow.forget(q)) return;
    this.ctx.ledger.free(q);
    this.ctx.drops.drop('send_failed', q.records);
  }

  /** Resends the frames past their timeout (a timeout shrinks the window only when no ACK came since). */
  due(flow: LinkFlow, now: number): void {
    const { rtx, rc, pacer } = flow;
    for (const u of rtx.due(now, (sentAt) => rc.timedOut(sentAt))) {
      rc.resent(u.q.frame.length);
      pacer.take(u.q.frame.length);
      flow.transmit(u.q, false);
    }
  }

  acked(b: AckBatch, now: number): void {
    this.ctx.scheduler.progress(now);
    this.ctx.counts.acked += b.records;
    this.ctx.ledger.freeAll(b.frames);
  }

  /** Freed without a drain or idle check: the caller re-routes them or gives them up. */
  lost(taken: QueuedFrame[]): QueuedFrame[] {
    for (const q of taken) this.ctx.ledger.freeUnfinished(q);
    return taken;
  }

  /** Every frame the server has not ACKed is resealed for its new boot and sent again now. */
  newBoot(flow: LinkFlow, now: number): void {
    const { rtx, rc, pacer } = flow;
    for (const u of rtx.resendAll(now)) {
      this.ctx.sealer.reseal(u.q, flow.boot!);
      rc.resent(u.q.frame.length);
      pacer.take(u.q.frame.length);
      flow.transmit(u.q, false);
    }
  }
}
