import { describe, expect, it } from 'vitest';
import type { QueuedFrame } from '../src/batch/lane.js';
import type { SendSample } from '../src/delivery/rate-control.js';
import { MAX_SPREAD, Retransmit } from '../src/delivery/retransmit.js';

// A fake clock: Retransmit has no timers, "now" is the number passed in.
const frame = (seq: number): QueuedFrame =>
  ({ seq, records: 1, frame: Buffer.alloc(16), backing: Buffer.alloc(16) }) as unknown as QueuedFrame;
const sample: SendSample = { delivered: 0, deliveredAt: 0, sentAt: 0, firstSentAt: 0, appLimited: false };
const none = () => {};

describe('Retransmit (fake clock)', () => {
  it('releases a frame on its ACK once, and hands out the frames past their timeout with their send times', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    r.sending(frame(2), 3, sample);
    const acked = r.ack(1, 5);
    expect(acked?.q.seq).toBe(1);
    expect(acked?.sample).toBe(sample);
    expect(r.ack(1, 6)).toBeUndefined(); // a repeated ACK releases nothing
    const timedOut: number[] = [];
    const due = r.due(10_000, (sentAt) => timedOut.push(sentAt));
    expect(due.map((u) => u.q.seq)).toEqual([2]);
    expect(timedOut).toEqual([3]);
    expect(r.resent).toBe(1);
  });

  it('takes RTT samples from first sends only (Karn) and keeps the timeout within its floor', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    r.ack(1, 2);
    expect(r.rtoMs).toBe(20); // srtt 2 + 4 × rttvar 1 = 6, floored
    r.sending(frame(2), 100, sample);
    r.due(100 + r.rtoMs, none); // resent: its ACK says nothing about the RTT
    r.ack(2, 100 + r.rtoMs + 1500);
    expect(r.rtoMs).toBe(20);
  });

  it('backs off exponentially per frame: the second resend waits twice as long', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    expect(r.due(r.rtoMs - 1, none)).toEqual([]);
    expect(r.due(r.rtoMs, none)).toHaveLength(1);
    const t = r.rtoMs;
    expect(r.due(t + 2 * r.rtoMs - 1, none)).toEqual([]);
    expect(r.due(t + 2 * r.rtoMs, none)).toHaveLength(1);
  });

  it(`holds new frames once ${MAX_SPREAD} went out after the oldest unacknowledged one`, () => {
    const r = new Retransmit();
    r.sending(frame(0), 0, sample);
    for (let seq = 1; seq < MAX_SPREAD; seq++) {
      r.sending(frame(seq), 0, sample);
      r.ack(seq, 1);
    }
    expect(r.unacked.size).toBe(1);
    expect(r.open).toBe(false);
    r.ack(0, 2);
    expect(r.open).toBe(true);
  });
});
