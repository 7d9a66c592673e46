import { describe, expect, it } from 'vitest';
import {
  INITIAL_WINDOW_FRAMES,
  MIN_WINDOW_FRAMES,
  RateControl,
  type SendSample,
} from '../src/delivery/rate-control.js';

// A fake clock and a simulated path: RateControl has no timers, "now" is the number passed in.
const FRAME = 8192;

interface Path {
  /** Bottleneck rate, bytes/ms, and round trip without queueing, ms. */
  bw: number;
  rtt: number;
  /** Every `lossEvery`-th frame is lost (0: none). */
  lossEvery?: number;
  /** The bottleneck's queue, bytes: a frame that finds it full is dropped (a receive buffer). */
  bufferBytes?: number;
}

/**
 * Runs a sender that sends whenever the window and its pacing rate allow through a FIFO bottleneck for
 * `ms`; returns the bytes delivered in the last second and the controller.
 */
function simulate(path: Path, ms: number, rc = new RateControl(FRAME, 64 * 2 ** 20, 0)) {
  const inFlight: { at: number; sentAt: number; s: SendSample; lost: boolean }[] = [];
  let linkFreeAt = 0;
  let sent = 0;
  let dropped = 0;
  let nextSendAt = 0;
  let deliveredLastSecond = 0;
  for (let now = 0; now < ms; now += 0.1) {
    while (inFlight.length > 0 && inFlight[0]!.at <= now) {
      const f = inFlight.shift()!;
      if (f.lost) rc.lost(FRAME);
      else {
        rc.acked(FRAME, f.s, now - f.sentAt, now);
        if (now >= ms - 1000) deliveredLastSecond += FRAME;
      }
    }
    // Paced, as the client's pacer does: one frame per FRAME / rate ms once there is a rate.
    while (rc.open() && now >= nextSendAt) {
      if (rc.pacingRate > 0) nextSendAt = Math.max(nextSendAt, now - 1) + FRAME / rc.pacingRate;
      const s = rc.sent(FRAME, now, false);
      sent++;
      const queued = Math.max(0, linkFreeAt - now) * path.bw;
      if (path.bufferBytes !== undefined && queued + FRAME > path.bufferBytes) {
        dropped++;
        // Seen lost one round trip later (a later frame's ACK shows the gap).
        inFlight.push({ at: Math.max(now, linkFreeAt) + path.rtt, sentAt: now, s, lost: true });
        continue;
      }
      const departs = Math.max(now, linkFreeAt) + FRAME / path.bw;
      linkFreeAt = departs;
      const lost = path.lossEvery !== undefined && sent % path.lossEvery === 0;
      inFlight.push({ at: departs + path.rtt, sentAt: now, s, lost });
    }
    inFlight.sort((a, b) => a.at - b.at);
  }
  return { rc, deliveredLastSecond, dropLoss: dropped / sent };
}

describe('RateControl (fake clock, simulated path)', () => {
  it('starts with a window of a few frames and no pacing rate', () => {
    const rc = new RateControl(FRAME, 64 * 2 ** 20, 0);
    expect(rc.cwnd).toBe(INITIAL_WINDOW_FRAMES * FRAME);
    expect(rc.pacingRate).toBe(0);
  });

  it('finds a 10 MB/s, 50 ms path: bandwidth within 5%, window twice its bandwidth-delay product, the link kept full', () => {
    const { rc, deliveredLastSecond } = simulate({ bw: 10_000, rtt: 50 }, 3000);
    expect(rc.mode).toBe('probe-bw');
    expect(rc.btlBw / 10_000).toBeGreaterThan(0.95);
    expect(rc.btlBw / 10_000).toBeLessThan(1.05);
    expect(rc.minRttMs).toBeGreaterThanOrEqual(50);
    expect(rc.minRttMs).toBeLessThan(52);
    const bdp = rc.btlBw * rc.minRttMs;
    expect(rc.cwnd / (2 * bdp)).toBeCloseTo(1, 5);
    // Delivered in the last second: the link's rate, within 2%.
    expect(deliveredLastSecond / 10_000_000).toBeGreaterThan(0.98);
  });

  it('does not slow down for isolated losses: at 1% loss the bandwidth estimate and the delivery hold', () => {
    const { rc, deliveredLastSecond } = simulate({ bw: 10_000, rtt: 50, lossEvery: 100 }, 3000);
    expect(rc.btlBw / 10_000).toBeGreaterThan(0.95);
    // 1% of frames lost, and nothing else given up.
    expect(deliveredLastSecond / 10_000_000).toBeGreaterThan(0.97);
  });

  it('a round trip losing a fifth of its frames (a queue overflowing, not random loss) ends startup and caps the window', () => {
    const rc = new RateControl(FRAME, 64 * 2 ** 20, 0);
    // A first round: 16 frames out and back at 10 ms, to measure.
    let now = 0;
    const first = Array.from({ length: 16 }, () => rc.sent(FRAME, now, false));
    now = 10;
    for (const s of first) rc.acked(FRAME, s, 10, now);
    expect(rc.mode).toBe('startup');
    // The next round: 100 frames, 30 lost.
    const next = Array.from({ length: 100 }, () => rc.sent(FRAME, now, false));
    now = 20;
    for (let i = 0; i < 30; i++) rc.lost(FRAME);
    // The first ACK of these ends the round the losses were counted in.
    for (const s of next.slice(30)) rc.acked(FRAME, s, 10, now);
    expect(rc.mode).not.toBe('startup');
    expect(rc.cwnd).toBeLessThanOrEqual(0.85 * 100 * FRAME);
  });

  it('a far path ends startup on the round trip rising, before it overflows a receive buffer of 1.25 × its bandwidth-delay product', () => {
    // 200 ms, 20 MB/s: a 4 MB bandwidth-delay product. A clogs-server's 8 MiB socket buffer
    // holds ~3,600 datagrams of 1,432 B (the kernel counts each one's overhead): 1.25 × that
    // product at this rate.
    const { rc, dropLoss } = simulate({ bw: 20_000, rtt: 200, bufferBytes: 5_000_000 }, 4000);
    expect(dropLoss, 'share of frames the full buffer dropped').toBe(0);
    expect(rc.mode).toBe('probe-bw');
    expect(rc.btlBw / 20_000).toBeGreaterThan(0.95);
  });

  it("startup's delay rule counts every RTT of a round, the one of the ACK that opens it too", () => {
    const at = (sentAt: number, delivered: number): SendSample => ({
      delivered,
      deliveredAt: 0,
      sentAt,
      firstSentAt: 0,
      appLimited: false,
    });
    /** Round 1 sets a 1 ms floor; round 2 opens with `opening` ms, maybe `mid` ms, then 8 ACKs at 6 ms. */
    const round2 = (opening: number, mid?: number) => {
      const rc = new RateControl(1000, 64 * 2 ** 20, 0);
      rc.sent(1000, 0, false);
      rc.acked(1000, at(0, 0), 1, 1);
      rc.acked(1000, at(1, 1000), opening, 2);
      if (mid !== undefined) rc.acked(1000, at(1.5, 1000), mid, 3);
      for (let i = 0; i < 8; i++) rc.acked(1000, at(2 + i, 1000), 6, 8 + i);
      return rc.mode;
    };
    expect(round2(6), 'every RTT 5 ms above the floor: a queue').not.toBe('startup');
    expect(round2(1.2), 'the opening ACK near the floor').toBe('startup');
    expect(round2(6, 0.9), 'one ACK below the floor mid-round').toBe('startup');
  });

  it('random loss of 10% a round (5% each way, at-most-once) is not taken for a full queue', () => {
    const { rc } = simulate({ bw: 10_000, rtt: 50, lossEvery: 10 }, 3000);
    expect(rc.btlBw / 10_000).toBeGreaterThan(0.9);
    expect(rc.cwnd).toBeGreaterThan(1.5 * rc.btlBw * rc.minRttMs);
  });

  it('a quiet spell before the first flight is no part of its rate (ten idle minutes, then 16 frames in 10 ms)', () => {
    const rc = new RateControl(FRAME, 64 * 2 ** 20, 0);
    const start = 600_000;
    const flight = Array.from({ length: 16 }, () => rc.sent(FRAME, start, false));
    for (const s of flight) rc.acked(FRAME, s, 10, start + 10);
    // 16 frames over 10 ms, not over ten minutes (which paced the next frame 13 s out).
    expect(rc.btlBw).toBeCloseTo((16 * FRAME) / 10, 0);
  });

  it('a timeout with no ACK since the frame went out drops the window to its floor until the next ACK', () => {
    const { rc } = simulate({ bw: 10_000, rtt: 50 }, 2000);
    const before = rc.cwnd;
    expect(before).toBeGreaterThan(100 * FRAME);
    rc.timedOut(2000); // sent after the last ACK: nothing came back since
    expect(rc.cwnd).toBe(MIN_WINDOW_FRAMES * FRAME);
    const s = rc.sent(FRAME, 2000, false);
    rc.acked(FRAME, s, 50, 2050);
    expect(rc.cwnd).toBeGreaterThan(100 * FRAME);
  });

  it('an isolated timeout (ACKs came after the frame was sent) changes nothing', () => {
    const { rc } = simulate({ bw: 10_000, rtt: 50 }, 2000);
    const before = rc.cwnd;
    rc.timedOut(1000);
    expect(rc.cwnd).toBe(before);
  });

  it('app-limited samples (nothing else to send) do not lower the bandwidth estimate', () => {
    const { rc } = simulate({ bw: 10_000, rtt: 50 }, 2000);
    const bw = rc.btlBw;
    // A trickle: one frame per 100 ms, each the only one queued.
    let now = 2000;
    for (let i = 0; i < 30; i++, now += 100) {
      const s = rc.sent(FRAME, now, true);
      rc.acked(FRAME, s, 50, now + 50);
    }
    expect(rc.btlBw).toBe(bw);
  });

  it('keeps the window within its ceiling and at least one ACK cycle of the measured rate on a sub-ms path', () => {
    const { rc } = simulate({ bw: 100_000, rtt: 0.2 }, 500);
    // 0.2 ms × 100 MB/s is 20 KB; a server ACKing per write needs ~4 ms of data in flight.
    expect(rc.btlBw / 100_000).toBeGreaterThan(0.95);
    expect(rc.cwnd).toBeGreaterThanOrEqual(rc.btlBw * 4 * 0.999);
    const capped = simulate({ bw: 10_000, rtt: 50 }, 2000, new RateControl(FRAME, 200_000, 0)).rc;
    expect(capped.cwnd).toBe(200_000);
  });
});
