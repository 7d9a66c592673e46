import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceContinuum } from '../../../test/support/reference-continuum.js';
import { planMerge } from '../src/ring/continuum-merge.js';
import { Continuum, KetamaPoints, ketamaDigests, ketamaHash, type RingNode } from '../src/ring/index.js';
import { ownerArray } from '../src/ring/radix-sort.js';

const equal = (names: string[]): RingNode[] => names.map((name) => ({ name, weight: 1 }));
const fleet = (n: number, from = 0) =>
  equal(Array.from({ length: n }, (_, i) => `10.1.${(from + i) >> 8}.${(from + i) & 255}:7070`));

/** The first index where `ring` differs from a from-scratch build of its nodes, or -1. */
function firstDifference(ring: Continuum): number {
  const ref = referenceContinuum(ring.nodes);
  if (ref.points.length !== ring.size) return Math.min(ref.points.length, ring.size);
  for (let i = 0; i < ring.size; i++) {
    if (ring.points[i] !== ref.points[i] || ring.owners[i] !== ref.owners[i]) return i;
  }
  return -1;
}

/** Points equal to their predecessor but owned by another server: where the order of equal points decides. */
function ties(ring: Continuum): number {
  let n = 0;
  for (let i = 1; i < ring.size; i++) {
    if (ring.points[i] === ring.points[i - 1] && ring.owners[i] !== ring.owners[i - 1]) n++;
  }
  return n;
}

/** Whether a rebuild from `before` to `after` takes the merge path (else a full build from the cache). */
function merges(before: readonly RingNode[], after: readonly RingNode[]): boolean {
  const digests = (nodes: readonly RingNode[]) => {
    const total = nodes.reduce((a, n) => a + n.weight, 0);
    return Uint32Array.from(nodes, (n) => ketamaDigests(n.weight, total, nodes.length));
  };
  return planMerge(before, digests(before), after, digests(after)) !== undefined;
}

const owner = (ring: Continuum, key: string) => ring.nodes[ring.ownerOf(ketamaHash(key))]!.name;

describe('continuum rebuilds (points from the previous one, radix sort, merge)', () => {
  it('equals a from-scratch build after any sequence of fleet changes (joins, leaves, weights, reorders)', () => {
    const change = fc.record({
      leave: fc.array(fc.nat(), { maxLength: 4 }),
      join: fc.array(fc.stringMatching(/^[a-z0-9.-]{1,10}:[0-9]{2,5}$/), { maxLength: 4 }),
      reweigh: fc.option(fc.record({ at: fc.nat(), weight: fc.integer({ min: 1, max: 5 }) })),
      reverse: fc.constantFrom(false, false, false, true),
    });
    let merged = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^[a-z0-9.-]{1,10}:[0-9]{2,5}$/),
            weight: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 40, selector: (s) => s.name },
        ),
        fc.array(change, { minLength: 1, maxLength: 6 }),
        (start, changes) => {
          const cache = new KetamaPoints();
          let nodes: RingNode[] = start;
          let ring = new Continuum(nodes, cache);
          expect(firstDifference(ring)).toBe(-1);
          for (const c of changes) {
            const leaving = new Set(
              nodes.length === 0 ? [] : c.leave.map((i) => nodes[i % nodes.length]!.name),
            );
            let next = nodes.filter((n) => !leaving.has(n.name));
            const names = new Set(next.map((n) => n.name));
            for (const name of c.join) {
              if (names.has(name)) continue;
              next.push({ name, weight: 1 });
              names.add(name);
            }
            if (c.reweigh !== null && next.length > 0) {
              const at = c.reweigh.at % next.length;
              next = next.map((n, i) => (i === at ? { name: n.name, weight: c.reweigh!.weight } : n));
            }
            if (c.reverse) next.reverse();
            if (merges(nodes, next)) merged++;
            nodes = next;
            ring = new Continuum(nodes, cache, ring);
            expect(firstDifference(ring), `fleet ${JSON.stringify(nodes)}`).toBe(-1);
          }
        },
      ),
      { numRuns: 150 },
    );
    // Both paths are exercised: the merge (kept servers keep their order and digest counts) and the full build.
    expect(merged, 'changes that took the merge path').toBeGreaterThan(0);
  });

  it('orders equal points as a from-scratch build does, at 1,000 servers (where md5 words collide)', () => {
    const cache = new KetamaPoints();
    const all = fleet(1000);
    const full = new Continuum(all, cache);
    expect(ties(full), 'this fleet has equal points of different servers').toBeGreaterThan(0);
    expect(firstDifference(full)).toBe(-1);
    // One leaves, then two join: the merge path, each checked against a fresh build.
    const lessNodes = [...all.slice(0, 500), ...all.slice(501)];
    expect(merges(all, lessNodes), '1,000 -> 999 merges').toBe(true);
    const less = new Continuum(lessNodes, cache, full);
    expect(firstDifference(less)).toBe(-1);
    const moreNodes = [...less.nodes, ...fleet(2, 1000)];
    expect(merges(lessNodes, moreNodes), '999 -> 1,001 merges').toBe(true);
    const more = new Continuum(moreNodes, cache, less);
    expect(firstDifference(more)).toBe(-1);
    expect(ties(more)).toBeGreaterThan(0);
    // A weight change (a full build from the previous points), then the fleet reversed:
    // equal points of kept servers come out of the previous continuum in its order.
    const heavyNodes = moreNodes.map((n, i) => (i === 3 ? { name: n.name, weight: 2 } : n));
    expect(merges(moreNodes, heavyNodes), 'a weight change does not merge').toBe(false);
    const heavy = new Continuum(heavyNodes, cache, more);
    expect(firstDifference(heavy)).toBe(-1);
    const reversedNodes = [...all].reverse();
    expect(merges(heavyNodes, reversedNodes), 'a reversed fleet does not merge').toBe(false);
    const reversed = new Continuum(reversedNodes, cache, heavy);
    expect(firstDifference(reversed)).toBe(-1);
    expect(ties(reversed)).toBeGreaterThan(0);
  });

  it('remaps exactly: a leaving server’s keys move, no key moves between survivors; a joining one takes keys only for itself', () => {
    const cache = new KetamaPoints();
    const all = fleet(10);
    const before = new Continuum(all, cache);
    const after = new Continuum([...all.slice(0, 3), ...all.slice(4)], cache, before);
    const gone = all[3]!.name;
    const wrong: string[] = [];
    let moved = 0;
    for (let i = 0; i < 20_000; i++) {
      const key = `PAY1/file-${i}`;
      const was = owner(before, key);
      const now = owner(after, key);
      if (was === gone) moved++;
      else if (now !== was) wrong.push(`${key}: ${was} -> ${now}`);
    }
    expect(wrong).toEqual([]);
    expect(moved, 'the leaving server had keys').toBeGreaterThan(0);
    const joined = new Continuum([...after.nodes, ...fleet(1, 50)], cache, after);
    const newcomer = fleet(1, 50)[0]!.name;
    const strayed: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const key = `PAY1/file-${i}`;
      const now = owner(joined, key);
      if (now !== newcomer && now !== owner(after, key)) strayed.push(key);
    }
    expect(strayed).toEqual([]);
  });

  it('takes the points of servers it held from the previous continuum: md5 only for the rest', () => {
    const cache = new KetamaPoints();
    const all = fleet(50);
    const ring = new Continuum(all, cache);
    expect(cache.hashed, 'the first build hashes every digest').toBe(ring.size / 4);
    // One leaves (the merge path): nothing hashed.
    const less = new Continuum(all.slice(1), cache, ring);
    expect(firstDifference(less)).toBe(-1);
    expect(cache.hashed - ring.size / 4, 'a server leaving').toBe(0);
    // It comes back: its digests alone.
    let before = cache.hashed;
    const back = new Continuum(all, cache, less);
    expect(firstDifference(back)).toBe(-1);
    expect(cache.hashed - before, 'a server coming back').toBe(back.digests[0]);
    // A weight doubles (every count changes, a full build): a digest or two a server, not 40.
    const reweighed = all.map((n, i) => ({ name: n.name, weight: i === 0 ? 2 : 1 }));
    before = cache.hashed;
    const heavy = new Continuum(reweighed, cache, back);
    expect(merges(all, reweighed), 'a weight change does not merge').toBe(false);
    expect(firstDifference(heavy)).toBe(-1);
    expect(cache.hashed - before, 'digests hashed for the weight change').toBeLessThanOrEqual(2 * 50 + 40);
    before = cache.hashed;
    const light = new Continuum(all, cache, heavy);
    expect(firstDifference(light)).toBe(-1);
    expect(cache.hashed - before, 'digests hashed for the weight back').toBeLessThanOrEqual(2 * 50 + 40);
  });

  it('owns points in 16 bits up to 65,536 servers, in 32 past them', () => {
    expect(new Continuum(fleet(3)).owners).toBeInstanceOf(Uint16Array);
    const last = ownerArray(1, 2 ** 16);
    last[0] = 2 ** 16 - 1;
    expect(last[0], 'the last index of 65,536 servers fits').toBe(2 ** 16 - 1);
    expect(ownerArray(1, 2 ** 16 + 1)).toBeInstanceOf(Uint32Array);
  });
});
