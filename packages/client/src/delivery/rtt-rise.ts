import { RISE_MAX_MS, RISE_MIN_MS, RISE_SAMPLES } from './rate-params.js';

/**
 * Startup's delay signal, after HyStart++ (RFC 9406): when the least RTT of a round
 * trip's first {@link RISE_SAMPLES} samples lies above the floor by an eighth of it (4 to
 * 16 ms), a queue is building at the bottleneck. Without it startup runs three more round
 * trips at 2.885× the rate before the bandwidth stops growing, and on a far path that
 * excess overflows the server's socket, which at-most-once never resends.
 */
export class RttRise {
  private min = Number.POSITIVE_INFINITY;
  private samples = 0;

  /** A new round trip begins. */
  newRound(): void {
    this.min = Number.POSITIVE_INFINITY;
    this.samples = 0;
  }

  /** One RTT sample against the floor `floorMs`; true once this round's samples show a queue. */
  sample(rttMs: number, floorMs: number): boolean {
    if (rttMs < this.min) this.min = rttMs;
    if (++this.samples < RISE_SAMPLES) return false;
    return this.min > floorMs + Math.min(RISE_MAX_MS, Math.max(RISE_MIN_MS, floorMs / 8));
  }
}
