import { describe, expect, it } from 'vitest';
import { AckBatcher } from '../src/listen/ack-batcher.js';

/** The datagrams a batcher sends: each as its ranges [first, last][] and the frames it counts. */
function collect(window: number) {
  const sent: { target: string; ranges: [number, number][]; seqs: number }[] = [];
  const b = new AckBatcher<string>(window, (target, r, n, seqs) => {
    const ranges: [number, number][] = [];
    for (let i = 0; i < n; i++) ranges.push([r[2 * i]!, r[2 * i + 1]!]);
    sent.push({ target, ranges, seqs });
  });
  return { b, sent };
}

describe('AckBatcher', () => {
  it('gathers the seqs of one group into ranges, one datagram per group', () => {
    const { b, sent } = collect(16_384);
    for (const seq of [5, 3, 4, 9, 4, 10, 1]) b.add('a', 'to a', seq);
    b.add('b', 'to b', 7);
    b.flush();
    expect(sent).toEqual([
      {
        target: 'to a',
        ranges: [
          [1, 1],
          [3, 5],
          [9, 10],
        ],
        seqs: 6,
      },
      { target: 'to b', ranges: [[7, 7]], seqs: 1 },
    ]);
  });

  it('keeps every range narrower than the window, and splits across the 2^32 wrap', () => {
    const { b, sent } = collect(64);
    for (let seq = 0; seq < 150; seq++) b.add('a', 'a', seq);
    for (const seq of [2 ** 32 - 2, 2 ** 32 - 1]) b.add('a', 'a', seq);
    b.flush();
    expect(sent).toEqual([
      {
        target: 'a',
        ranges: [
          [0, 63],
          [64, 127],
          [128, 149],
          [2 ** 32 - 2, 2 ** 32 - 1],
        ],
        seqs: 152,
      },
    ]);
  });

  it('sends more than 8,000 ranges as several datagrams, and the next turn anew', async () => {
    const { b, sent } = collect(16_384);
    for (let i = 0; i < 8001; i++) b.add('a', 'a', 2 * i); // no two adjacent: 8,001 ranges
    b.flush();
    expect(sent.map((s) => s.ranges.length)).toEqual([8000, 1]);
    expect(sent[1]!.ranges).toEqual([[16_000, 16_000]]);
    b.add('a', 'a', 1);
    await new Promise<void>((resolve) => setImmediate(resolve)); // flushes by itself at the end of the turn
    expect(sent).toHaveLength(3);
  });
});
