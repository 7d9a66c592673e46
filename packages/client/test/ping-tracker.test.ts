import { describe, expect, it } from 'vitest';
import { PingTracker } from '../src/health/ping-tracker.js';

// A fake clock: the tracker has no timers, so "time" is just the numbers passed in.
const INTERVAL = 1000;

describe('ping/pong state machine', () => {
  it('steps ping ids by 2 and accepts only id + 1 as an answer', () => {
    const t = new PingTracker(3, 100);
    expect(t.tick(0).pingId).toBe(100);
    expect(t.pong(100, 5)).toBe(false); // the id itself
    expect(t.pong(99, 5)).toBe(false); // a stale answer
    expect(t.pong(103, 5)).toBe(false); // an answer to a later id
    expect(t.pong(101, 7)).toBe(true);
    expect(t.pong(101, 8)).toBe(false); // counted once
    expect(t.rttMs).toBe(7);
    expect(t.tick(INTERVAL).pingId).toBe(102);
  });

  it('takes an up server down after failureLimit missed intervals, not before', () => {
    const t = new PingTracker(3, 0);
    t.tick(0); // ping 0 sent
    expect(t.tick(1 * INTERVAL).change).toBeUndefined(); // miss 1
    expect(t.tick(2 * INTERVAL).change).toBeUndefined(); // miss 2
    const v = t.tick(3 * INTERVAL); // miss 3
    expect(v).toMatchObject({ change: 'down', reason: 'no-pong' });
    expect(t.up).toBe(false);
    expect(t.tick(4 * INTERVAL).change).toBeUndefined(); // still down, still pinged
  });

  it('clears misses on a valid pong', () => {
    const t = new PingTracker(3, 0);
    let id = t.tick(0).pingId;
    id = t.tick(INTERVAL).pingId; // miss 1
    id = t.tick(2 * INTERVAL).pingId; // miss 2
    expect(t.misses).toBe(2);
    t.pong(id + 1, 2 * INTERVAL + 3);
    t.tick(3 * INTERVAL);
    expect(t.misses).toBe(0);
    expect(t.up).toBe(true);
  });

  it('brings a down server back after exactly one valid pong, never on a timer', () => {
    const t = new PingTracker(2, 10);
    t.tick(0);
    t.tick(INTERVAL);
    expect(t.tick(2 * INTERVAL).change).toBe('down');
    for (let i = 3; i < 50; i++) expect(t.tick(i * INTERVAL).change).toBeUndefined(); // no answers: stays down
    const id = t.currentPingId;
    expect(t.pong(id + 1, 50 * INTERVAL - 1)).toBe(true);
    expect(t.tick(50 * INTERVAL)).toMatchObject({ change: 'up', reason: 'pong' });
  });

  it('a server added down (joining) is up on its first valid pong, at once; once it has been up, the tick decides again', () => {
    const t = new PingTracker(2, 10, 'down');
    const id = t.tick(0).pingId;
    expect(t.state).toBe('down');
    expect(t.pong(id + 1, 1)).toBe(true);
    expect(t.state, 'up on the pong, before any tick').toBe('up');
    expect(t.tick(INTERVAL).change, 'no second up at the tick').toBeUndefined();
    t.tick(2 * INTERVAL);
    expect(t.tick(3 * INTERVAL).change).toBe('down');
    const again = t.currentPingId;
    expect(t.pong(again + 1, 3 * INTERVAL + 1)).toBe(true);
    expect(t.state, 'a server that went down waits for the tick').toBe('down');
    expect(t.tick(4 * INTERVAL)).toMatchObject({ change: 'up', reason: 'pong' });
  });

  it('a late answer to an old ping does not count', () => {
    const t = new PingTracker(1, 0);
    const first = t.tick(0).pingId;
    t.tick(INTERVAL); // ping `first` unanswered: down (limit 1)
    expect(t.up).toBe(false);
    expect(t.pong(first + 1, INTERVAL + 1)).toBe(false);
    expect(t.tick(2 * INTERVAL).change).toBeUndefined();
  });

  it('reports a refusal (ICMP port unreachable) as the reason', () => {
    const t = new PingTracker(1, 0);
    t.tick(0);
    t.refused();
    expect(t.tick(INTERVAL)).toMatchObject({ change: 'down', reason: 'refused' });
  });

  it('wraps ping ids at 2^32', () => {
    const t = new PingTracker(3, 0xffff_fffe);
    expect(t.tick(0).pingId).toBe(0xffff_fffe);
    expect(t.pong(0xffff_ffff, 1)).toBe(true);
    expect(t.tick(INTERVAL).pingId).toBe(0);
    expect(t.pong(1, INTERVAL + 1)).toBe(true);
  });
});
