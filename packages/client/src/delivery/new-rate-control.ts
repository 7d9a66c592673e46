import { RateControl } from './rate-control.js';

/**
 * A fresh controller for one server link. The window's ceiling: at-least-once, frames
 * in flight are held until their ACK, so the window plus a producer's queue (up to
 * highWaterBytes and a frame) must fit in maxQueueBytes, or a producer that waits for
 * 'drain' could still see drops.
 */
export function newRateControl(
  o: {
    atLeastOnce: boolean;
    maxQueueBytes: number;
    highWaterBytes: number;
    maxDatagramBytes: number;
  },
  now = performance.now(),
): RateControl {
  const ceiling = o.atLeastOnce
    ? o.maxQueueBytes - o.highWaterBytes - 2 * o.maxDatagramBytes
    : o.maxQueueBytes >>> 1;
  return new RateControl(o.maxDatagramBytes, ceiling, now);
}
