import { describe, expect, it } from 'vitest';
import type { QueuedFrame } from '../src/batch/lane.js';
import { MAX_SPREAD, Retransmit } from '../src/delivery/retransmit.js';

// A fake clock: Retransmit has no timers, "now" is the number passed in.
const frame = (seq: number): QueuedFrame =>
  ({ seq, records: 1, frame: Buffer.alloc(16), backing: Buffer.alloc(16) }) as unknown as QueuedFrame;

describe('Retransmit (fake clock)', () => {
  it('grows the window by one per ACK and halves it on a timeout', () => {
    const r = new Retransmit();
    const start = r.window;
    r.sending(frame(1), 0);
    r.sending(frame(2), 0);
    expect(r.ack(1, 5)?.seq).toBe(1);
    expect(r.window).toBe(start + 1);
    expect(r.ack(1, 6)).toBeUndefined(); // a repeated ACK releases nothing
    const due = r.due(10_000);
    expect(due.map((u) => u.q.seq)).toEqual([2]);
    expect(r.window).toBe((start + 1) >>> 1);
    expect(r.resent).toBe(1);
  });

  it('takes RTT samples from first sends only (Karn) and keeps the timeout within its floor', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0);
    r.ack(1, 2);
    expect(r.rtoMs).toBe(20); // srtt 2 + 4 × rttvar 1 = 6, floored
    r.sending(frame(2), 100);
    r.due(100 + r.rtoMs); // resent: its ACK says nothing about the RTT
    r.ack(2, 100 + r.rtoMs + 1500);
    expect(r.rtoMs).toBe(20);
  });

  it('backs off exponentially per frame: the second resend waits twice as long', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0);
    expect(r.due(r.rtoMs - 1)).toEqual([]);
    expect(r.due(r.rtoMs)).toHaveLength(1);
    const t = r.rtoMs;
    expect(r.due(t + 2 * r.rtoMs - 1)).toEqual([]);
    expect(r.due(t + 2 * r.rtoMs)).toHaveLength(1);
  });

  it(`holds new frames once ${MAX_SPREAD} went out after the oldest unacknowledged one`, () => {
    const r = new Retransmit();
    r.window = 1_000_000; // only the spread limits here
    r.sending(frame(0), 0);
    for (let seq = 1; seq < MAX_SPREAD; seq++) {
      r.sending(frame(seq), 0);
      r.ack(seq, 1);
    }
    expect(r.unacked.size).toBe(1);
    expect(r.open).toBe(false);
    r.ack(0, 2);
    expect(r.open).toBe(true);
  });
});
