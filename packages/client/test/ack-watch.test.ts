import { describe, expect, it } from 'vitest';
import { FIRST_ACK_GRACE_MS, OUT_WHEN_SILENT } from '../src/delivery/at-least-once.js';
import { OPEN_LOOP_WHEN_SILENT } from '../src/delivery/at-most-once.js';
import { RateControl } from '../src/delivery/rate-control.js';
import { type AckPolicy, AckWatch } from '../src/health/ack-watch.js';
import { PingTracker } from '../src/health/ping-tracker.js';

// A fake clock: neither the watch nor the tracker has timers, so "time" is the numbers passed in.
const FRAME = 1000;
/** failureLimit × pingIntervalMs: at the 1 s floor, so the first-ACK grace is what differs. */
const SILENT_LIMIT_MS = 1000;

/** A server up since t=1 (a 1 ms ping), a frame sent to it at t=10, and a PONG at t=`pongAt`. */
function setup(policy: AckPolicy, pongAt: number) {
  const tracker = new PingTracker(3, 0);
  tracker.pong(tracker.tick(0).pingId + 1, 1);
  const rc = new RateControl(FRAME, 64 * FRAME, 0);
  const sample = rc.sent(FRAME, 10, false);
  tracker.pong(tracker.tick(pongAt - 1).pingId + 1, pongAt);
  return { watch: new AckWatch(policy, SILENT_LIMIT_MS), tracker, rc, sample };
}

describe('AckWatch under each delivery strategy’s policy', () => {
  it('at-most-once: a server that never ACKed is sent open-loop after 100 ms, its first ACK ends it', () => {
    const { watch, tracker, rc, sample } = setup(OPEN_LOOP_WHEN_SILENT, 5);
    expect(watch.judge(109, tracker, rc)).toBeUndefined();
    expect(watch.judge(110, tracker, rc)).toBe('open-loop');
    expect(watch.openLoop).toBe(true);
    expect(watch.silentMs).toBe(100);
    rc.acked(FRAME, sample, 200, 210);
    expect(watch.acked()).toBe(true);
    expect(watch.openLoop).toBe(false);
  });

  it('at-most-once: a server that ACKed once and falls silent goes open-loop after the silence limit', () => {
    const { watch, tracker, rc, sample } = setup(OPEN_LOOP_WHEN_SILENT, 5);
    rc.acked(FRAME, sample, 5, 15);
    watch.acked();
    rc.sent(FRAME, 20, false);
    tracker.pong(tracker.tick(499).pingId + 1, 500);
    expect(watch.judge(1019, tracker, rc)).toBeUndefined();
    expect(watch.judge(1020, tracker, rc)).toBe('open-loop');
  });

  it('at-least-once: no early verdict; the first ACK gets its grace, then the server is out, then retried', () => {
    const { watch, tracker, rc } = setup(OUT_WHEN_SILENT, 500);
    expect(watch.judge(110, tracker, rc)).toBeUndefined();
    expect(watch.judge(10 + SILENT_LIMIT_MS, tracker, rc)).toBeUndefined();
    expect(watch.judge(10 + FIRST_ACK_GRACE_MS - 1, tracker, rc)).toBeUndefined();
    expect(watch.judge(10 + FIRST_ACK_GRACE_MS, tracker, rc)).toBe('out');
    expect(watch.openLoop).toBe(false);
    expect(watch.outUntil).toBeGreaterThan(10 + FIRST_ACK_GRACE_MS);
    expect(watch.judge(watch.outUntil - 1, tracker, rc)).toBeUndefined();
    expect(watch.judge(watch.outUntil, tracker, rc)).toBe('retry');
    expect(watch.outUntil).toBe(0);
  });

  it('no verdict without a PONG since the wait began (the server may be down, not silent)', () => {
    const { watch, tracker, rc } = setup(OUT_WHEN_SILENT, 5);
    expect(watch.judge(10 + 10 * FIRST_ACK_GRACE_MS, tracker, rc)).toBeUndefined();
  });
});
