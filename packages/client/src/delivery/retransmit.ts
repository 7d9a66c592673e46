import type { QueuedFrame } from '../batch/lane.js';
import type { AckBatch, Unacked } from './ack-batch.js';
import type { SendSample } from './rate-control.js';

const RTO_FLOOR_MS = 20;
const RTO_CAP_MS = 2000;
/** Before any round trip is known (RFC 6298 says 1 s; a PING's round trip usually comes first). */
const RTO_INITIAL_MS = 1000;
/**
 * The least margin over srtt, as a share of it: TCP's minimum RTO in proportion. With
 * only srtt + 4·rttvar, a steady far path (rttvar near 0) gets an RTO a few ms above its
 * round trip, and a server's write cycle or a scheduling hiccup fires it: spurious
 * resends, taken as loss, end startup and cap the window.
 */
const RTO_MIN_MARGIN = 0.5;
/**
 * At-most-once, a frame with no later frame ACKed (the tail of a burst, or a receiver
 * that paused) is given up only after this long: taken as lost sooner (at the RTO), it
 * would open the window onto a receive buffer that is still full, and a receiver's GC
 * pause would cost records to kernel drops (figures: bench/README.md, Client).
 */
const TAIL_LOSS_MS = 200;
/**
 * The replay window a server keeps until its PONG says (the least version 2 allows). A
 * server dedupes by the last `window` seqs of each client; a resend of a frame it has
 * since forgotten would be refused as a replay.
 */
export const MIN_WINDOW = 64;

/**
 * One server's frames awaiting their ACK and the retransmission timeout (the window,
 * how much may be in flight, is {@link RateControl}'s). Both modes track frames here;
 * only at-least-once resends.
 *
 * The timeout follows TCP's estimator (RFC 6298): srtt and rttvar from ACK round trips,
 * rto = srtt + max(4·rttvar, srtt / 2) within [20 ms, 2 s], doubled for each resend of a frame. A
 * frame that was resent gives no RTT sample (Karn's rule: which send does its ACK answer?).
 * A frame whose ACK keeps getting lost holds new frames back once their seqs are
 * `window` (the server's replay window, from its PONG) ahead of it, so that its resend
 * still finds the server remembering it: a resend is never refused as a replay, nor
 * written twice.
 */
export class Retransmit {
  readonly unacked = new Map<number, Unacked>();
  rtoMs = RTO_INITIAL_MS;
  private srtt: number | undefined;
  private rttvar = 0;
  acked = 0;
  resent = 0;
  /** Sends so far, first or again: each send's order. */
  private sendOrder = 0;
  /** The latest send order among the frames ACKed: a frame sent before it and still unACKed is likely lost. */
  private latestAckedOrder = -1;
  /** When the last ACK datagram came. */
  private lastAckAt = Number.NEGATIVE_INFINITY;
  /** The last probe (a resend with no later frame ACKed): its frame, when it went, when it is due again. */
  private probeSeq = -1;
  private probeAt = Number.NEGATIVE_INFINITY;
  private probeDueAt = Number.NEGATIVE_INFINITY;
  /** New frames sent to this server so far. */
  private sends = 0;
  /** The server's replay window, in seqs (its PONG says it). */
  window = MIN_WINDOW;

  /**
   * A frame numbered `seq` may go: less than `window` seqs ahead of the oldest frame
   * awaiting its ACK (the map keeps first-send order, which is seq order for one server).
   */
  open(seq: number): boolean {
    if (this.unacked.size === 0) return true;
    const oldest = this.unacked.values().next().value as Unacked;
    return (seq - oldest.q.seq) >>> 0 < this.window;
  }

  /** When the oldest frame still awaiting its ACK was sent; undefined when none is. */
  get oldestSentAt(): number | undefined {
    return this.unacked.values().next().value?.sentAt;
  }

  sending(q: QueuedFrame, now: number, sample: SendSample): void {
    this.unacked.set(q.seq, {
      q,
      sentAt: now,
      tries: 1,
      index: this.sends++,
      order: this.sendOrder++,
      sample,
    });
  }

  /**
   * An ACK range: every frame awaited with a seq from `first` to `last` (modulo 2^32) is
   * taken out into `b`. Stale and repeated ACKs take nothing. A wide range over few
   * frames walks the frames, a narrow one looks its seqs up.
   */
  ackRange(first: number, last: number, b: AckBatch): void {
    const width = (last - first) >>> 0;
    const unacked = this.unacked;
    if (width < unacked.size) {
      for (let i = 0; i <= width; i++) {
        const u = unacked.get((first + i) >>> 0);
        if (u !== undefined) this.take(u, b);
      }
    } else {
      // Deleting the entry being visited is safe in a Map's iteration.
      for (const u of unacked.values()) if ((u.q.seq - first) >>> 0 <= width) this.take(u, b);
    }
  }

  /** After an ACK datagram's ranges: one RTT sample for all of it, from its last frame sent once. */
  settle(b: AckBatch, now: number): void {
    this.lastAckAt = now;
    if (b.latestOrder > this.latestAckedOrder) this.latestAckedOrder = b.latestOrder;
    const once = b.lastSentOnce;
    if (once === undefined) return;
    b.rttMs = now - once.sentAt;
    this.sample(b.rttMs);
  }

  private take(u: Unacked, b: AckBatch): void {
    this.unacked.delete(u.q.seq);
    this.acked++;
    b.frames.push(u.q);
    b.bytes += u.q.frame.length;
    b.records += u.q.records;
    if (b.newest === undefined || u.index > b.newest.index) b.newest = u;
    if (u.order > b.latestOrder) b.latestOrder = u.order;
    if (u.tries === 1 && (b.lastSentOnce === undefined || u.sentAt > b.lastSentOnce.sentAt))
      b.lastSentOnce = u;
  }

  /**
   * The server started a new boot: every frame awaiting its ACK goes again now (the
   * caller reseals and sends them), counted as resent; their round trips no longer
   * sample the path (Karn).
   */
  resendAll(now: number): Iterable<Unacked> {
    for (const u of this.unacked.values()) {
      u.tries++;
      u.sentAt = now;
      u.order = this.sendOrder++;
    }
    this.resent += this.unacked.size;
    return this.unacked.values();
  }

  /**
   * Frames whose timeout has passed at `now`: each is marked resent (the caller sends it
   * again). `onTimeout` hears when each had been sent, before the mark.
   *
   * A frame is lost once a frame sent after it was ACKed (RACK's rule). Without that, it
   * may be lost, or its server may be pausing (a slow write, a collector): only the
   * oldest such frame goes, as a probe (TCP resends one segment at a timeout), and the
   * others wait for an ACK, which shows which are lost, or for the probe's own timeout,
   * when all go. A pause shorter than two timeouts then costs one resend, not the window.
   */
  due(now: number, onTimeout: (sentAt: number) => void): Unacked[] {
    const out: Unacked[] = [];
    // Out: no ACK since it went, and its frame still awaited (not re-routed, given up or ACKed).
    const probeOut = this.probeAt > this.lastAckAt && this.unacked.has(this.probeSeq);
    // The last probe went unanswered for its whole timeout: the path lost them, send all.
    const escalate = probeOut && now >= this.probeDueAt;
    let mayProbe = !probeOut;
    for (const u of this.unacked.values()) {
      const timeout = Math.min(RTO_CAP_MS, this.rtoMs * 2 ** (u.tries - 1));
      if (now - u.sentAt < timeout) continue;
      if (!escalate && u.order > this.latestAckedOrder) {
        if (!mayProbe) continue;
        mayProbe = false;
        this.probeSeq = u.q.seq;
        this.probeAt = now;
        this.probeDueAt = now + Math.min(RTO_CAP_MS, 2 * timeout);
      }
      onTimeout(u.sentAt);
      u.tries++;
      u.sentAt = now;
      u.order = this.sendOrder++;
      out.push(u);
    }
    if (escalate && out.length > 0) {
      this.probeSeq = out[0]!.q.seq;
      this.probeAt = now;
      this.probeDueAt = now + Math.min(RTO_CAP_MS, 2 * this.rtoMs);
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
      if (age >= (u.order < this.latestAckedOrder ? this.rtoMs : tail)) {
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

  /**
   * A PING's round trip: the timeout starts from it (RFC 6298's first sample, 3 × rtt)
   * until ACKs give samples of their own, so the first flight to a far server is not
   * resent at a timeout shorter than its path.
   */
  pinged(rttMs: number): void {
    if (this.srtt === undefined) this.rtoMs = clampRto(3 * rttMs);
  }

  private sample(rtt: number): void {
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rtoMs = clampRto(this.srtt + Math.max(4 * this.rttvar, RTO_MIN_MARGIN * this.srtt));
  }
}

function clampRto(ms: number): number {
  return Math.min(RTO_CAP_MS, Math.max(RTO_FLOOR_MS, ms));
}
