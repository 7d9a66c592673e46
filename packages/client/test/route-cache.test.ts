import { describe, expect, it, vi } from 'vitest';
import { Continuum, KetamaPoints, RouteCache } from '../src/ring/index.js';
import { ketamaHash } from '../src/ring/ketama-hash.js';

// Counts md5 key hashes: a refill after a ring change must not need them.
vi.mock('../src/ring/ketama-hash.js', async (original) => {
  const real = (await original()) as { ketamaHash: (key: string) => number };
  return { ketamaHash: vi.fn(real.ketamaHash) };
});
const hashes = vi.mocked(ketamaHash);

const fleet = (names: string[]) => names.map((name) => ({ name, weight: 1 }));
const keys = Array.from({ length: 2000 }, (_, i) => `PAY1/file-${i}`);

describe('route cache: route()', () => {
  it('routes as the continuum does, hashing each key once', () => {
    const ring = new Continuum(fleet(['a:1', 'b:2', 'c:3']));
    const cache = new RouteCache(4096);
    hashes.mockClear();
    const first = keys.map((k) => cache.route(k, ring));
    const again = keys.map((k) => cache.route(k, ring));
    expect(hashes).toHaveBeenCalledTimes(keys.length);
    expect(again).toEqual(first);
    const wrong = keys.filter((k, i) => ring.ownerOf(ketamaHash(k)) !== first[i]);
    expect(wrong).toEqual([]);
  });

  it('after retire() and a new ring, places known keys again by their kept hash, without md5', () => {
    const points = new KetamaPoints();
    const before = new Continuum(fleet(['a:1', 'b:2', 'c:3', 'd:4']), points);
    const after = new Continuum(fleet(['a:1', 'c:3', 'd:4', 'e:5']), points, before);
    const cache = new RouteCache(4096);
    for (const k of keys) cache.route(k, before);
    cache.retire();
    hashes.mockClear();
    const routed = keys.map((k) => after.nodes[cache.route(k, after)]!.name);
    expect(hashes, 'no md5 for keys seen before the change').not.toHaveBeenCalled();
    const wrong = keys.filter((k, i) => after.nodes[after.ownerOf(ketamaHash(k))]!.name !== routed[i]);
    expect(wrong).toEqual([]);
    expect(cache.route('PAY1/never-seen', after)).toBe(after.ownerOf(ketamaHash('PAY1/never-seen')));
  });

  it('answers -1 on an empty ring and remembers nothing for it', () => {
    const cache = new RouteCache(16);
    expect(cache.route('PAY1/x', new Continuum([]))).toBe(-1);
    expect(cache.size).toBe(0);
  });
});
