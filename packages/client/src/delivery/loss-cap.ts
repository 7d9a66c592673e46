import { LOSS_BACKOFF, LOSS_MIN_FRAMES, LOSS_THRESH, MIN_WINDOW_FRAMES } from './rate-params.js';

/**
 * Loss per round trip and the cap it sets on bytes in flight (BBRv2's inflight_hi): a
 * round that lost more than {@link LOSS_THRESH} of at least {@link LOSS_MIN_FRAMES}
 * frames' bytes caps the window below what was in flight; each clean round lifts the cap
 * by 1/8 until it passes the window's ceiling, and then there is none.
 */
export class LossCap {
  /** Ceiling on bytes in flight after a lossy round (Infinity: none). */
  hi = Number.POSITIVE_INFINITY;
  /** Bytes lost and delivered in the current round trip, for its loss rate. */
  private lost = 0;
  private delivered = 0;

  constructor(
    private readonly frameBytes: number,
    private readonly maxWindowBytes: number,
  ) {}

  /** Bytes given up or resent this round. */
  onLost(bytes: number): void {
    this.lost += bytes;
  }

  /** Bytes ACKed this round. */
  onDelivered(bytes: number): void {
    this.delivered += bytes;
  }

  /** The round trip ends with `inflight` bytes in flight; true when it was lossy (the cap is set). */
  endRound(inflight: number): boolean {
    const total = this.delivered + this.lost;
    const lossy = total >= LOSS_MIN_FRAMES * this.frameBytes && this.lost > LOSS_THRESH * total;
    if (lossy) {
      this.hi = Math.max(MIN_WINDOW_FRAMES * this.frameBytes, LOSS_BACKOFF * (inflight + this.lost));
    } else if (this.hi !== Number.POSITIVE_INFINITY) {
      this.hi *= 1.125;
      if (this.hi > this.maxWindowBytes) this.hi = Number.POSITIVE_INFINITY;
    }
    this.lost = 0;
    this.delivered = 0;
    return lossy;
  }
}
