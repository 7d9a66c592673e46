import { describe, expect, it } from 'vitest';
import type { QueuedFrame } from '../src/batch/lane.js';
import { AckBatch } from '../src/delivery/ack-batch.js';
import type { SendSample } from '../src/delivery/rate-control.js';
import { MIN_WINDOW, Retransmit } from '../src/delivery/retransmit.js';

// A fake clock: Retransmit has no timers, "now" is the number passed in.
const frame = (seq: number, bytes = 16): QueuedFrame =>
  ({ seq, records: 2, frame: Buffer.alloc(bytes), backing: Buffer.alloc(bytes) }) as unknown as QueuedFrame;
const sample: SendSample = { delivered: 0, deliveredAt: 0, sentAt: 0, firstSentAt: 0, appLimited: false };
const none = () => {};

/** One ACK datagram of the given ranges, as the link reads it: the batch it took out. */
function ack(r: Retransmit, now: number, ...ranges: [number, number][]): AckBatch {
  const b = new AckBatch();
  for (const [first, last] of ranges) r.ackRange(first, last, b);
  r.settle(b, now);
  return b;
}

describe('Retransmit (fake clock)', () => {
  it('releases a frame on its ACK once, and hands out the frames past their timeout with their send times', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    r.sending(frame(2), 3, sample);
    const acked = ack(r, 5, [1, 1]);
    expect(acked.frames.map((q) => q.seq)).toEqual([1]);
    expect(acked.newest?.sample).toBe(sample);
    expect(ack(r, 6, [1, 1]).frames).toEqual([]); // a repeated ACK releases nothing
    const timedOut: number[] = [];
    const due = r.due(10_000, (sentAt) => timedOut.push(sentAt));
    expect(due.map((u) => u.q.seq)).toEqual([2]);
    expect(timedOut).toEqual([3]);
    expect(r.resent).toBe(1);
  });

  it('one ACK datagram of ranges takes out every frame they cover, in any order, and sums them once', () => {
    const r = new Retransmit();
    for (let seq = 10; seq < 30; seq++) r.sending(frame(seq, 100), seq, sample);
    // A narrow range looks seqs up; a wide one (wider than what awaits) walks the frames.
    const b = ack(r, 40, [25, 27], [10, 14], [0, 1_000_000]);
    expect(b.frames.map((q) => q.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 20 }, (_, i) => 10 + i),
    );
    expect(b.bytes).toBe(20 * 100);
    expect(b.records).toBe(20 * 2);
    expect(b.newest?.q.seq).toBe(29); // the frame sent last: its delivery-rate sample
    expect(b.rttMs).toBe(40 - 29); // one RTT sample, from the last frame sent once
    expect(r.unacked.size).toBe(0);
    expect(r.acked).toBe(20);
  });

  it('ranges count modulo 2^32: a range across the wrap takes the frames on both sides, and no others', () => {
    const r = new Retransmit();
    const seqs = [0xffff_fffe, 0xffff_ffff, 0, 1, 2];
    for (const seq of seqs) r.sending(frame(seq), 0, sample);
    const b = ack(r, 1, [0xffff_ffff, 1]);
    expect(b.frames.map((q) => q.seq)).toEqual([0xffff_ffff, 0, 1]);
    expect([...r.unacked.keys()]).toEqual([0xffff_fffe, 2]);
  });

  it('takes RTT samples from first sends only (Karn) and keeps the timeout within its floor', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    ack(r, 2, [1, 1]);
    expect(r.rtoMs).toBe(20); // srtt 2 + 4 × rttvar 1 = 6, floored
    r.sending(frame(2), 100, sample);
    r.due(100 + r.rtoMs, none); // resent: its ACK says nothing about the RTT
    expect(ack(r, 100 + r.rtoMs + 1500, [2, 2]).rttMs).toBeUndefined();
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

  it('with no later frame ACKed, resends only the oldest frame, as a probe; all go once it goes unanswered', () => {
    const r = new Retransmit();
    for (let seq = 1; seq <= 50; seq++) r.sending(frame(seq), seq, sample);
    const t = 50 + r.rtoMs;
    // The server pauses past the timeout: one frame goes, not fifty.
    expect(r.due(t, none).map((u) => u.q.seq)).toEqual([1]);
    expect(r.due(t + 1, none), 'nothing more while the probe is out').toEqual([]);
    const backoff = 2 * r.rtoMs;
    expect(r.due(t + backoff - 1, none)).toEqual([]);
    // The probe's own timeout passes with still no ACK: the path lost them, all go.
    expect(r.due(t + backoff, none)).toHaveLength(50);
    expect(r.resent).toBe(51);
  });

  it('a pause that ends within the probe costs one resend; an ACK of the probe alone shows the rest lost', () => {
    const paused = new Retransmit();
    for (let seq = 1; seq <= 50; seq++) paused.sending(frame(seq), seq, sample);
    const t = 50 + paused.rtoMs;
    expect(paused.due(t, none)).toHaveLength(1);
    ack(paused, t + 5, [1, 50]); // the write ends: everything ACKed
    expect(paused.unacked.size).toBe(0);
    expect(paused.resent).toBe(1);

    const lossy = new Retransmit();
    for (let seq = 1; seq <= 50; seq++) lossy.sending(frame(seq), seq, sample);
    expect(lossy.due(t, none)).toHaveLength(1);
    // Only the probe's ACK comes: frames sent before the probe and not ACKed are lost.
    ack(lossy, t + 5, [1, 1]);
    expect(lossy.due(t + 6, none).map((u) => u.q.seq)).toEqual(Array.from({ length: 49 }, (_, i) => i + 2));
  });

  it('an ACK of older frames only does not make the newer ones lost: they wait, as the probe', () => {
    const r = new Retransmit();
    for (let seq = 1; seq <= 10; seq++) r.sending(frame(seq), seq, sample);
    // Frames 1-3 ACKed late; 4-10 wait in the same slow write.
    ack(r, 500, [1, 3]);
    expect(r.due(10 + r.rtoMs, none).map((u) => u.q.seq)).toEqual([4]);
  });

  it('orders sends, not their times: lost frames of the burst an ACKed frame went in are lost at once', () => {
    const r = new Retransmit();
    for (let seq = 1; seq <= 10; seq++) r.sending(frame(seq), 0, sample); // one pump, one clock read
    ack(r, 2, [6, 10]);
    expect(r.due(r.rtoMs, none).map((u) => u.q.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a probe whose frame was taken out (re-routed) is no longer out: the next flight gets its own', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    ack(r, 400, [1, 1]); // srtt 400: rto 1,200
    r.sending(frame(2), 1000, sample);
    expect(r.due(1000 + r.rtoMs, none)).toHaveLength(1); // the probe, due again at 4,200
    r.takeAll(); // its server went down
    r.sending(frame(3), 2300, sample); // and came back
    expect(r.due(2300 + r.rtoMs, none).map((u) => u.q.seq)).toEqual([3]);
  });

  it("holds a frame whose seq is the server's replay window ahead of the oldest unacknowledged one", () => {
    const r = new Retransmit();
    expect(r.window).toBe(MIN_WINDOW); // until a PONG says
    r.window = 1000;
    r.sending(frame(5), 0, sample);
    expect(r.open(5 + 999)).toBe(true);
    expect(r.open(5 + 1000)).toBe(false);
    ack(r, 1, [5, 5]);
    expect(r.open(5 + 1000)).toBe(true);
  });

  it('resendAll hands out every frame awaiting its ACK, counted as resent and never an RTT sample', () => {
    const r = new Retransmit();
    r.sending(frame(1), 0, sample);
    r.sending(frame(2), 0, sample);
    expect([...r.resendAll(50)].map((u) => [u.q.seq, u.sentAt, u.tries])).toEqual([
      [1, 50, 2],
      [2, 50, 2],
    ]);
    expect(r.resent).toBe(2);
    expect(ack(r, 60, [1, 2]).rttMs).toBeUndefined();
  });
});
