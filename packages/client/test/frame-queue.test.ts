import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../src/batch/frame-queue.js';

describe('FrameQueue', () => {
  it('gives items back first in, first out, across its compactions, as an array would', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 60 }), (bursts) => {
        const q = new FrameQueue<number>();
        const model: number[] = [];
        let next = 0;
        bursts.forEach((n, i) => {
          // Even bursts push n items, odd ones take n (or what is there).
          for (let k = 0; k < n; k++) {
            if (i % 2 === 0) {
              q.push(next);
              model.push(next++);
            } else {
              expect(q.shift()).toBe(model.shift());
            }
          }
          expect(q.length).toBe(model.length);
          expect(q.first).toBe(model[0]);
        });
        while (model.length > 0) expect(q.shift()).toBe(model.shift());
        expect(q.shift()).toBeUndefined();
        expect(q.length).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
