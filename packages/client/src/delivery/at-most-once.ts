import type { QueuedFrame } from '../batch/lane.js';
import type { AckPolicy } from '../health/ack-watch.js';
import type { Delivery, DeliveryContext, DeliverySizes, LinkFlow } from './delivery.js';

/**
 * ACKs are only a rate signal: a server that sends none is sent to open-loop, early when
 * it never ACKed at all, since waiting on it would only slow it down.
 */
export const OPEN_LOOP_WHEN_SILENT: AckPolicy = {
  onSilence: 'open-loop',
  judgeNeverAcked: true,
  firstAckGraceMs: 0,
};

/**
 * At-most-once: a frame sent is the network's. It is freed on its first send; its ACK
 * is a rate signal; one whose ACK does not come is given up, never resent, and a lost
 * server leaves nothing to re-route.
 */
export class AtMostOnce implements Delivery {
  readonly ackPolicy = OPEN_LOOP_WHEN_SILENT;
  /** Half the queue bound: frames in flight are freed already, so only memory bounds it. */
  readonly maxWindowBytes: number;

  constructor(
    private readonly ctx: DeliveryContext,
    sizes: DeliverySizes,
  ) {
    this.maxWindowBytes = sizes.maxQueueBytes >>> 1;
  }

  sending(): void {}

  sent(q: QueuedFrame, first: boolean, counted: boolean): void {
    if (counted) this.ctx.scheduler.progress(performance.now());
    if (first) this.ctx.ledger.free(q);
  }

  sendFailed(flow: LinkFlow, q: QueuedFrame): void {
    flow.forget(q);
    this.ctx.ledger.free(q);
    this.ctx.drops.drop('send_failed', q.records);
  }

  /** Gives up waiting for ACKs past their timeout: lost, for the window. */
  due(flow: LinkFlow, now: number): void {
    const { rtx, rc } = flow;
    const before = rtx.unacked.size;
    rtx.expire(now, (u) => {
      rc.lost(u.q.frame.length);
      rc.timedOut(u.sentAt);
    });
    if (rtx.unacked.size !== before) {
      flow.waitFrom();
      flow.sendNow();
    }
  }

  acked(): void {}

  lost(): QueuedFrame[] {
    return [];
  }

  newBoot(): void {}
}
