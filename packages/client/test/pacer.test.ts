import { describe, expect, it } from 'vitest';
import { Pacer } from '../src/transport/pacer.js';

/** Frames of `bytes` the pacer lets through at `now` (the clock is the test's). */
function drain(p: Pacer, now: number, bytes: number): number {
  p.refill(now);
  let n = 0;
  while (p.open) {
    p.take(bytes);
    n++;
  }
  return n;
}

describe('Pacer (fake clock)', () => {
  it('starts with two ms of budget and refills by the time that passed, not by calls', () => {
    const p = new Pacer(10_000, 100, 0);
    expect(drain(p, 0, 1000)).toBe(20);
    expect(drain(p, 0, 1000)).toBe(0);
    expect(drain(p, 0.5, 1000)).toBe(5);
    // a late timer (1.5 ms) gets the whole 1.5 ms of budget
    expect(drain(p, 2, 1000)).toBe(15);
  });

  it('holds at most two ms of budget after an idle spell: a stall is not a dump', () => {
    const p = new Pacer(10_000, 100, 0);
    drain(p, 0, 1000);
    expect(drain(p, 1000, 1000)).toBe(20);
  });

  it('bounds datagrams per ms for small frames', () => {
    const p = new Pacer(1_000_000, 8, 0);
    expect(drain(p, 0, 100)).toBe(16);
    expect(drain(p, 1, 100)).toBe(8);
  });

  it('lets a frame bigger than the budget go, and the debt delays the next', () => {
    const p = new Pacer(1000, 100, 0);
    expect(drain(p, 0, 5000)).toBe(1);
    expect(p.waitMs()).toBe(3);
    expect(drain(p, 2.9, 5000)).toBe(0);
    expect(drain(p, 3.1, 5000)).toBe(1);
  });

  it('says how long until there is room again', () => {
    const p = new Pacer(1000, 4, 0);
    p.take(500);
    expect(p.waitMs()).toBe(0);
    drain(p, 0, 100);
    expect(p.waitMs()).toBeGreaterThan(0);
    expect(p.waitMs()).toBeLessThanOrEqual(0.25);
  });
});
