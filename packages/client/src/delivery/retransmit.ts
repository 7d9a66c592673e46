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
  /** For the delivery-rate sample its ACK gives. */
  sample: SendSample;
}

const RTO_FLOOR_MS = 20;
const RTO_CAP_MS = 2000;
const RTO_INITIAL_MS = 200;
/**
 * At-most-once, a frame with no later frame ACKed (the tail of a burst, or a receiver
 * that paused) is given up only after this long: taken as lost sooner, it would open
 * the window onto a receive buffer that is still full. Measured: at the RTO (20 ms
 * here) a counting receiver's GC pauses cost 0.5–3% of records to kernel drops.
 */
const TAIL_LOSS_MS = 200;
/**
 * New frames a server may be sent past its oldest unacknowledged one. A server
 * dedupes by remembering the last 4,096 seqs of each sender (clogs-server's
 * `dedupeWindow`); a resend of a frame it has since forgotten would be written twice.
 */
export const MAX_SPREAD = 2048;

/**
 * One server's frames awaiting their ACK and the retransmission timeout (the window,
 * how much may be in flight, is {@link RateControl}'s). Both modes track frames here;
 * only at-least-once resends.
 *
 * The timeout follows TCP's estimator (RFC 6298): srtt and rttvar from ACK round trips,
 * rto = srtt + 4·rttvar within [20 ms, 2 s], doubled for each resend of a frame. A
 * frame that was resent gives no RTT sample (Karn's rule: which send does its ACK answer?).
 * A frame whose ACK keeps getting lost holds new frames back once {@link MAX_SPREAD}
 * went out after it, so that its resend still finds the server remembering it: a plain
 * resend never duplicates.
 */
export class Retransmit {
  readonly unacked = new Map<number, Unacked>();
  rtoMs = RTO_INITIAL_MS;
  private srtt: number | undefined;
  private rttvar = 0;
  acked = 0;
  resent = 0;
  /** The latest first-send time among the frames ACKed: a frame sent before it and still unACKed is likely lost. */
  private latestAckedSentAt = Number.NEGATIVE_INFINITY;
  /** New frames sent to this server so far. */
  private sends = 0;

  /** The oldest unacknowledged frame is less than {@link MAX_SPREAD} frames behind (the map keeps first-send order). */
  get open(): boolean {
    if (this.unacked.size === 0) return true;
    const oldest = this.unacked.values().next().value as Unacked;
    return this.sends - oldest.index < MAX_SPREAD;
  }

  /** When the oldest frame still awaiting its ACK was sent; undefined when none is. */
  get oldestSentAt(): number | undefined {
    return this.unacked.values().next().value?.sentAt;
  }

  sending(q: QueuedFrame, now: number, sample: SendSample): void {
    this.unacked.set(q.seq, { q, sentAt: now, tries: 1, index: this.sends++, sample });
  }

  /** An ACK for `seq`; returns what was awaiting it (undefined for a stale or repeated ACK). */
  ack(seq: number, now: number): Unacked | undefined {
    const u = this.unacked.get(seq);
    if (u === undefined) return undefined;
    this.unacked.delete(seq);
    this.acked++;
    if (u.tries === 1) {
      this.sample(now - u.sentAt);
      if (u.sentAt > this.latestAckedSentAt) this.latestAckedSentAt = u.sentAt;
    }
    return u;
  }

  /**
   * Frames whose timeout has passed at `now`: each is marked resent (the caller sends it
   * again). `onTimeout` hears when each had been sent, before the mark.
   */
  due(now: number, onTimeout: (sentAt: number) => void): Unacked[] {
    const out: Unacked[] = [];
    for (const u of this.unacked.values()) {
      if (now - u.sentAt >= Math.min(RTO_CAP_MS, this.rtoMs * 2 ** (u.tries - 1))) {
        onTimeout(u.sentAt);
        u.tries++;
        u.sentAt = now;
        out.push(u);
      }
    }
    this.resent += out.length;
    return out;
  }

  /** Stops waiting for `seq`'s ACK (its frame was given up); true if it was awaited. */
  forget(seq: number): boolean {
    return this.unacked.delete(seq);
  }

  /**
   * At-most-once, where ACKs are a rate signal: frames taken as lost are given up
   * (nothing is resent); each is handed to `gone`. Lost: a frame sent after it was ACKed
   * and its timeout passed (RACK's rule, the timeout as the reordering allowance), or,
   * with no later frame ACKed, {@link TAIL_LOSS_MS} passed.
   */
  expire(now: number, gone: (u: Unacked) => void): void {
    const tail = Math.max(this.rtoMs, TAIL_LOSS_MS);
    for (const u of this.unacked.values()) {
      const age = now - u.sentAt;
      if (age >= (u.sentAt < this.latestAckedSentAt ? this.rtoMs : tail)) {
        this.unacked.delete(u.q.seq);
        gone(u);
      }
    }
  }

  /** Takes every unacknowledged frame out (its server went down): the caller re-routes their records. */
  takeAll(): QueuedFrame[] {
    const frames = [...this.unacked.values()].map((u) => u.q);
    this.unacked.clear();
    return frames;
  }

  private sample(rtt: number): void {
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rtoMs = Math.min(RTO_CAP_MS, Math.max(RTO_FLOOR_MS, this.srtt + 4 * this.rttvar));
  }
}
