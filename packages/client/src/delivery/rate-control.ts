import { LossCap } from './loss-cap.js';
import {
  ACK_CYCLE_MS,
  BW_ROUNDS,
  INITIAL_WINDOW_FRAMES,
  MIN_RTT_WINDOW_MS,
  MIN_WINDOW_FRAMES,
  PROBE_GAINS,
  PROBE_RTT_MS,
  type RateMode,
  type SendSample,
  STARTUP_GAIN,
} from './rate-params.js';
import { RoundMax } from './round-max.js';
import { RttRise } from './rtt-rise.js';

export type { RateMode, SendSample } from './rate-params.js';
export { INITIAL_WINDOW_FRAMES, MIN_WINDOW_FRAMES } from './rate-params.js';

/**
 * One server link's flow control: a model of the path, not a reaction to loss. After
 * BBR (Cardwell et al., 2016), kept to what a datagram sender needs:
 *
 * - every ACK gives a delivery-rate sample (bytes ACKed since the frame was sent, over
 *   the time since); the bandwidth estimate is their maximum over 10 round trips;
 * - the RTT floor is the least ACK round trip of the last 10 s (re-measured then with a
 *   200 ms window of 4 frames: a queue the sender built cannot pass itself off as path);
 * - window (bytes in flight) = gain × bandwidth × RTT floor, the bandwidth-delay product
 *   with headroom; pacing rate = gain × bandwidth;
 * - startup doubles the rate each round trip until three rounds bring less than 25%
 *   more, or a round's RTT rises ({@link RttRise}), then drains the queue it made and
 *   cycles gains 1.25, 0.75, 1 × 6;
 * - a round trip that lost much caps the window ({@link LossCap});
 * - a lost frame does not shrink anything (at 1% loss a halving controller crawls);
 *   only a timeout with no ACK at all since the frame went out (the path is gone, or
 *   the server stopped) drops the window to its floor until the next ACK.
 *
 * No timers: the caller feeds sends, ACKs and losses with the time they happened.
 */
export class RateControl {
  mode: RateMode = 'startup';
  /** Bandwidth estimate, bytes/ms; 0 until the first sample. */
  btlBw = 0;
  /** RTT floor, ms; Infinity until the first sample. */
  minRttMs = Number.POSITIVE_INFINITY;
  /** Bytes sent and neither ACKed nor given up. */
  inflight = 0;
  delivered = 0;
  deliveredAt: number;
  /** When the oldest send that no ACK has followed went out (undefined: every send was followed by one). */
  ackWaitSince: number | undefined;
  private lastAckAt = Number.NEGATIVE_INFINITY;
  /** The send time of the frame ACKed last: where the next samples' send interval starts. */
  private firstSentAt: number;
  private minRttAt = 0;
  private round = 0;
  private roundEndDelivered = 0;
  private readonly bwMax = new RoundMax(BW_ROUNDS);
  private fullBw = 0;
  private fullBwRounds = 0;
  private cycle = 0;
  private cycleAt = 0;
  private probeRttUntil = 0;
  private probeRttMin = Number.POSITIVE_INFINITY;
  private collapsed = false;
  private readonly loss: LossCap;
  private readonly rise = new RttRise();

  constructor(
    /** A full frame, bytes: the unit of the window's floor. */
    private readonly frameBytes: number,
    /** The window's ceiling, bytes (memory, and the server's dedupe window). */
    private readonly maxWindowBytes: number,
    now: number,
  ) {
    this.deliveredAt = now;
    this.firstSentAt = now;
    this.loss = new LossCap(frameBytes, maxWindowBytes);
  }

  /** Bytes allowed in flight now. */
  get cwnd(): number {
    const floor = MIN_WINDOW_FRAMES * this.frameBytes;
    if (this.collapsed || this.mode === 'probe-rtt' || this.maxWindowBytes <= floor) return floor;
    if (this.btlBw === 0 || this.minRttMs === Number.POSITIVE_INFINITY) {
      return Math.min(this.maxWindowBytes, INITIAL_WINDOW_FRAMES * this.frameBytes);
    }
    // Drain: a window of one bandwidth-delay product empties the queue startup made.
    // Startup paces at 2.885× but holds 2× (BBRv3's): the queue it builds before it sees
    // the rise is at most one bandwidth-delay product, what a server's socket holds.
    const gain = this.mode === 'drain' ? 1 : 2;
    const rtt = Math.max(this.minRttMs, ACK_CYCLE_MS);
    return Math.min(this.maxWindowBytes, this.loss.hi, Math.max(floor, gain * this.btlBw * rtt));
  }

  /** Bytes/ms to pace at, or 0 while there is no estimate (the window alone bounds the first flight). */
  get pacingRate(): number {
    if (this.btlBw === 0) return 0;
    const gain =
      this.mode === 'startup'
        ? STARTUP_GAIN
        : this.mode === 'drain'
          ? 1 / STARTUP_GAIN
          : this.mode === 'probe-bw'
            ? PROBE_GAINS[this.cycle]!
            : 1;
    return gain * this.btlBw;
  }

  /** Room for `bytes` more in flight. */
  open(): boolean {
    return this.inflight < this.cwnd;
  }

  /** A frame of `bytes` goes out now; keep what it returns for its ACK. */
  sent(bytes: number, now: number, appLimited: boolean): SendSample {
    if (this.delivered === 0 && this.inflight === 0) {
      // The first flight: the time since the link was made is no part of its rate. Else
      // its ACKs would measure bytes over minutes (it once paced a frame 13 s out).
      // Later idle spells cannot lower the estimate: a sample below it is app-limited.
      this.deliveredAt = now;
      this.firstSentAt = now;
    }
    this.inflight += bytes;
    this.ackWaitSince ??= now;
    return {
      delivered: this.delivered,
      deliveredAt: this.deliveredAt,
      sentAt: now,
      firstSentAt: this.firstSentAt,
      appLimited,
    };
  }

  /** The ACK of a frame of `bytes`; `rttMs` only when the frame was sent once (Karn). */
  acked(bytes: number, s: SendSample, rttMs: number | undefined, now: number): void {
    this.inflight = Math.max(0, this.inflight - bytes);
    this.delivered += bytes;
    this.loss.onDelivered(bytes);
    this.deliveredAt = now;
    this.lastAckAt = now;
    this.ackWaitSince = undefined;
    this.collapsed = false;
    // The ACK that opens a round trip is that round's first RTT sample.
    const newRound = s.delivered >= this.roundEndDelivered;
    if (newRound) this.rise.newRound();
    if (rttMs !== undefined) this.sampleRtt(Math.max(rttMs, 0.001), now);
    if (newRound) {
      this.endRound(now);
      this.round++;
      this.roundEndDelivered = this.delivered;
      this.bwMax.begin(this.round);
    }
    this.firstSentAt = s.sentAt;
    // The longer of the send and the ACK intervals: a server that ACKs in bursts (after
    // each write) must not pass for a faster path than the sending could fill.
    const interval = Math.max(now - s.deliveredAt, s.sentAt - s.firstSentAt);
    // A sample over less than the RTT floor measures a burst of ACKs, not the path.
    if (interval > 0 && interval >= this.minRttMs) {
      const rate = (this.delivered - s.delivered) / interval;
      if (!s.appLimited || rate > this.btlBw) this.btlBw = this.bwMax.sample(this.round, rate);
    }
    if (newRound && this.mode === 'startup' && !s.appLimited) {
      if (this.btlBw >= this.fullBw * 1.25) {
        this.fullBw = this.btlBw;
        this.fullBwRounds = 0;
      } else if (++this.fullBwRounds >= 3) {
        this.mode = 'drain';
      }
    }
    const bdp = this.btlBw * this.minRttMs;
    if (this.mode === 'drain' && this.inflight <= bdp) this.enterProbeBw(now);
    if (this.mode === 'probe-bw' && now - this.cycleAt > this.minRttMs) {
      this.cycle = (this.cycle + 1) % PROBE_GAINS.length;
      this.cycleAt = now;
    }
    if (this.mode === 'probe-rtt' && now >= this.probeRttUntil) {
      if (this.probeRttMin !== Number.POSITIVE_INFINITY) this.minRttMs = this.probeRttMin;
      this.minRttAt = now;
      if (this.fullBwRounds >= 3) this.enterProbeBw(now);
      else this.mode = 'startup';
    }
  }

  /** A frame of `bytes` will not be ACKed (given up, at-most-once). */
  lost(bytes: number): void {
    this.inflight = Math.max(0, this.inflight - bytes);
    this.loss.onLost(bytes);
  }

  /** A frame of `bytes` is being resent (at-least-once): lost once, still in flight. */
  resent(bytes: number): void {
    this.loss.onLost(bytes);
  }

  /** A round trip ends: a lossy one ends startup and caps the window; a clean one lifts the cap. */
  private endRound(now: number): void {
    if (!this.loss.endRound(this.inflight)) return;
    if (this.mode === 'startup') {
      this.fullBwRounds = 3;
      this.mode = 'drain';
    } else if (this.mode === 'probe-bw' && this.cycle === 0) {
      // Probing found the queue's edge: give it back now.
      this.cycle = 1;
      this.cycleAt = now;
    }
  }

  /**
   * A frame sent at `sentAt` reached its timeout. If no ACK came since it went out, the
   * path took nothing at all: the window falls to its floor until the next ACK. An
   * isolated loss (ACKs for later frames came) changes nothing.
   */
  timedOut(sentAt: number): void {
    if (this.lastAckAt < sentAt) this.collapsed = true;
  }

  /** Forgets what is in flight (its frames were re-routed or given up); the estimates stay. */
  clearInflight(): void {
    this.inflight = 0;
    this.ackWaitSince = undefined;
  }

  private sampleRtt(rtt: number, now: number): void {
    if (this.mode === 'probe-rtt') {
      if (rtt < this.probeRttMin) this.probeRttMin = rtt;
      return;
    }
    if (rtt <= this.minRttMs) {
      this.minRttMs = rtt;
      this.minRttAt = now;
    } else if (now - this.minRttAt > MIN_RTT_WINDOW_MS) {
      this.mode = 'probe-rtt';
      this.probeRttUntil = now + Math.max(PROBE_RTT_MS, this.minRttMs);
      this.probeRttMin = rtt;
    }
    // Every sample of the round counts: one at the floor shows no queue.
    if (this.mode === 'startup' && this.rise.sample(rtt, this.minRttMs)) {
      this.fullBwRounds = 3;
      this.mode = 'drain';
    }
  }

  private enterProbeBw(now: number): void {
    this.mode = 'probe-bw';
    this.cycle = 0;
    this.cycleAt = now;
  }
}
