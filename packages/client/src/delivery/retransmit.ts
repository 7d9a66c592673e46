import type { QueuedFrame } from '../batch/lane.js';

/** A frame sent with ACK_WANTED and not yet acknowledged. */
export interface Unacked {
  q: QueuedFrame;
  sentAt: number;
  /** Sends so far (1 after the first). */
  tries: number;
  /** How many frames this server had been sent before this one. */
  index: number;
}

const RTO_FLOOR_MS = 20;
const RTO_CAP_MS = 2000;
const RTO_INITIAL_MS = 200;
const WINDOW_INITIAL = 16;
const WINDOW_MAX = 256;
/**
 * New frames a server may be sent past its oldest unacknowledged one. A server
 * dedupes by remembering the last 4,096 seqs of each sender (clogs-server's
 * `dedupeWindow`); a resend of a frame it has since forgotten would be written twice.
 */
export const MAX_SPREAD = 2048;

/**
 * One server's frames awaiting their ACK, the retransmission timeout, and the window
 * of frames allowed in flight. Both modes use the window; only at-least-once resends.
 *
 * The timeout follows TCP's estimator (RFC 6298): srtt and rttvar from ACK round trips,
 * rto = srtt + 4·rttvar within [20 ms, 2 s], doubled for each resend of a frame. A
 * frame that was resent gives no RTT sample (Karn's rule: which send does its ACK answer?).
 * The window is the flow control: +1 frame per ACK up to 256, halved (not below 1) on a
 * timeout, so a slow or overloaded server is sent less, not more. A frame whose ACK keeps
 * getting lost also holds new frames back once {@link MAX_SPREAD} went out after it, so
 * that its resend still finds the server remembering it: a plain resend never duplicates.
 */
export class Retransmit {
  readonly unacked = new Map<number, Unacked>();
  window = WINDOW_INITIAL;
  rtoMs = RTO_INITIAL_MS;
  private srtt: number | undefined;
  private rttvar = 0;
  acked = 0;
  resent = 0;
  /** New frames sent to this server so far. */
  private sends = 0;

  /**
   * Room for another frame in flight: fewer than the window unacknowledged, and the
   * oldest of them not {@link MAX_SPREAD} frames behind (the map keeps first-send order).
   */
  get open(): boolean {
    if (this.unacked.size >= this.window) return false;
    if (this.unacked.size === 0) return true;
    const oldest = this.unacked.values().next().value as Unacked;
    return this.sends - oldest.index < MAX_SPREAD;
  }

  sending(q: QueuedFrame, now: number): void {
    this.unacked.set(q.seq, { q, sentAt: now, tries: 1, index: this.sends++ });
  }

  /** An ACK for `seq`; returns the frame it releases (undefined for a stale or repeated ACK). */
  ack(seq: number, now: number): QueuedFrame | undefined {
    const u = this.unacked.get(seq);
    if (u === undefined) return undefined;
    this.unacked.delete(seq);
    this.acked++;
    if (u.tries === 1) this.sample(now - u.sentAt);
    this.window = Math.min(WINDOW_MAX, this.window + 1);
    return u.q;
  }

  /** Frames whose timeout has passed at `now`: each is marked resent (the caller sends it again). */
  due(now: number): Unacked[] {
    const out: Unacked[] = [];
    for (const u of this.unacked.values()) {
      if (now - u.sentAt >= Math.min(RTO_CAP_MS, this.rtoMs * 2 ** (u.tries - 1))) {
        u.tries++;
        u.sentAt = now;
        out.push(u);
      }
    }
    if (out.length > 0) {
      this.resent += out.length;
      this.window = Math.max(1, this.window >>> 1);
    }
    return out;
  }

  /** Stops waiting for `seq`'s ACK (its frame was given up); true if it was awaited. */
  forget(seq: number): boolean {
    return this.unacked.delete(seq);
  }

  /**
   * At-most-once, where ACKs only clock the sending: frames whose timeout passed are
   * given up (nothing is resent) and the window halves, as for a resend.
   */
  expire(now: number): number {
    let n = 0;
    for (const u of this.unacked.values()) {
      if (now - u.sentAt >= this.rtoMs) {
        this.unacked.delete(u.q.seq);
        n++;
      }
    }
    if (n > 0) this.window = Math.max(1, this.window >>> 1);
    return n;
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
