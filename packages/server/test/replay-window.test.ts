import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayTable, Seen, SessionWindow } from '../src/listen/replay-window.js';

/** The window as the spec states it, with no bitmap: every seq marked, and its last fingerprint. */
class Model {
  private readonly marked = new Map<number, number>();
  private top: number;

  constructor(
    private readonly window: number,
    first: number,
    print: number,
  ) {
    this.top = 2 ** 32 + first;
    this.marked.set(this.top, print);
  }

  private extend(seq: number): number {
    return this.top + ((seq - this.top) | 0);
  }

  check(seq: number, print: number, prints: boolean): Seen {
    const ext = this.extend(seq);
    if (ext > this.top) return Seen.NEW;
    if (this.top - ext >= this.window) return Seen.TOO_OLD;
    const p = this.marked.get(ext);
    if (p === undefined) return Seen.NEW;
    return prints && p !== print ? Seen.CONFLICT : Seen.DUPLICATE;
  }

  mark(seq: number, print: number): void {
    const ext = this.extend(seq);
    if (this.top - ext >= this.window) return;
    if (ext > this.top) this.top = ext;
    this.marked.set(ext, print);
  }
}

const op = fc.record({
  delta: fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -5000, max: 5000 })),
  print: fc.integer({ min: 0, max: 3 }),
  mark: fc.boolean(),
});

describe('SessionWindow', () => {
  it('answers as the spec model does for any sequence of frames, across the 2^32 wrap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2 ** 32 - 700, 5, 2 ** 31),
        fc.constantFrom(64, 1000, 16_384),
        fc.boolean(),
        fc.array(op, { minLength: 1, maxLength: 400 }),
        (first, window, prints, ops) => {
          const w = new SessionWindow(window, prints, first % 2 ** 32, 1);
          const m = new Model(window, first % 2 ** 32, 1);
          let seq = first;
          for (const o of ops) {
            seq = (seq + o.delta + 2 ** 32) % 2 ** 32;
            const got = w.check(seq, o.print);
            expect(got, `check(${seq}, ${o.print})`).toBe(m.check(seq, o.print, prints));
            if (o.mark) {
              w.mark(seq, o.print);
              m.mark(seq, o.print);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('costs a few dozen bytes for a session of one frame, and grows only with the spread', () => {
    const one = new SessionWindow(16_384, true, 7, 9);
    expect(one.bytes).toBe(2 * 4 + 32 * 4);
    const sealed = new SessionWindow(16_384, false, 7, 0);
    for (let seq = 8; seq < 8 + 100; seq++) sealed.mark(seq, 0);
    expect(sealed.bytes).toBe((128 / 32 + 1) * 4); // 101 seqs spread: a 128-seq ring
    for (let seq = 108; seq < 40_000; seq++) sealed.mark(seq, 0);
    expect(sealed.bytes).toBe((16_384 / 32 + 1) * 4); // never past the window
    expect(sealed.check(39_999 - 16_384, 0)).toBe(Seen.TOO_OLD);
    expect(sealed.check(39_999 - 16_383, 0)).toBe(Seen.DUPLICATE);
  });
});

describe('ReplayTable', () => {
  it('starts a new epoch when one session too many would be kept, forgetting every window', () => {
    const epochs: string[] = [];
    const t = new ReplayTable({
      window: 64,
      maxSessions: 3,
      maxBytes: 2 ** 20,
      onEpoch: (r) => epochs.push(r),
    });
    for (const s of [1, 2, 3]) t.mark(s, 10, 0, true);
    expect(t.check(1, 10, 0)).toBe(Seen.DUPLICATE);
    expect(epochs).toEqual([]);
    t.mark(4, 10, 0, true);
    expect(epochs).toEqual(['sessions']);
    expect(t.size).toBe(1);
    expect(t.check(1, 10, 0)).toBe(Seen.NEW);
    expect(t.check(4, 10, 0)).toBe(Seen.DUPLICATE);
  });

  it('starts a new epoch when the windows would hold more than maxBytes', () => {
    const epochs: string[] = [];
    const t = new ReplayTable({
      window: 16_384,
      maxSessions: 100,
      maxBytes: 100_000,
      onEpoch: (r) => epochs.push(r),
    });
    t.mark('a', 1, 0, true);
    t.mark('a', 16_000, 0, true); // a plain window spread over 16,000 seqs: 64 KiB of fingerprints
    expect(epochs).toEqual([]);
    t.mark('b', 1, 0, true);
    t.mark('b', 16_000, 0, true);
    expect(epochs).toEqual(['memory']);
    expect(t.bytes).toBeLessThanOrEqual(100_000);
    expect(t.check('b', 16_000, 0)).toBe(Seen.DUPLICATE);
    expect(t.check('a', 16_000, 0)).toBe(Seen.NEW);
  });
});
