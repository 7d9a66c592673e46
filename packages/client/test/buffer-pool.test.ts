import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/batch/buffer-pool.js';

/** Whether two views share any byte of memory. */
function overlap(a: Buffer, b: Buffer): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

describe('BufferPool', () => {
  it.each([1432, 8192, 65_000, 100_000])('hands out %i-byte buffers that never share a byte', (size) => {
    const pool = new BufferPool(size, 4);
    const taken = Array.from({ length: 40 }, () => pool.take());
    for (const b of taken) expect(b.length, 'every buffer has the pool size').toBe(size);
    for (let i = 0; i < taken.length; i++) {
      for (let j = i + 1; j < taken.length; j++) {
        expect(overlap(taken[i]!, taken[j]!), `buffers ${i} and ${j} overlap`).toBe(false);
      }
    }
  });

  it('gives back the buffers it kept before cutting new ones, and keeps no more than asked', () => {
    const pool = new BufferPool(1432, 2);
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    pool.give(a);
    pool.give(b);
    pool.give(c); // past `keep`: let go
    const again = [pool.take(), pool.take()];
    expect(new Set(again), 'the two kept buffers come back').toEqual(new Set([a, b]));
    const fresh = pool.take();
    expect(
      [a, b, c].some((x) => overlap(x, fresh)),
      'a third take cuts a new buffer',
    ).toBe(false);
  });

  it('lets go of a buffer of another size (a one-off frame)', () => {
    const pool = new BufferPool(1432, 4);
    const odd = Buffer.alloc(2000);
    pool.give(odd);
    expect(pool.take(), 'an odd-sized buffer is never handed out').not.toBe(odd);
  });
});
