import { gainedPoints, keptPoints, orderTies, planGather } from './continuum-gather.js';
import { mergeContinuum, mergeKept, planMerge } from './continuum-merge.js';
import { KetamaPoints } from './ketama-points.js';
import type { Owners, SortedPoints } from './radix-sort.js';

/** A server on the continuum: `name` is what is hashed, so an address can change without remapping. */
export interface RingNode {
  readonly name: string;
  /** Relative share of keys, > 0. */
  readonly weight: number;
}

/**
 * How many md5 digests (4 points each) libketama gives a server:
 * `floorf(pct * 40.0 * (float)numservers)` with `float pct = (float)w / (float)W`.
 * The division is float32; the product is computed in double and rounded to float32 by
 * floorf's parameter before the floor. That last rounding is what double-only ports
 * (hashring) miss: 7 equal servers get 1/7 × 40 × 7 = 39.999…99 → 39 digests in double,
 * but 40.0000018 → 40.0f → 40 in libketama.
 */
export function ketamaDigests(weight: number, totalWeight: number, servers: number): number {
  const pct = Math.fround(Math.fround(weight) / Math.fround(totalWeight));
  return Math.floor(Math.fround(pct * 40 * servers));
}

/** Owner indexes must fit the sort's tie order and `owners`; far beyond any fleet. */
const MAX_NODES = 2 ** 20;

/**
 * A ketama consistent-hash continuum, built exactly as libketama builds it: for each
 * server, {@link ketamaDigests} digests md5("<name>-<k>"), each giving four points
 * (its four little-endian u32 words); the points are sorted; a key belongs to the
 * server of the first point ≥ its hash, wrapping to the first point. Equal points (two
 * servers' md5 words colliding) are ordered by the server's index in `nodes`.
 *
 * Points live in one `Uint32Array`, their owners (indexes into `nodes`) in a
 * `Uint16Array` (a `Uint32Array` past 65,536 servers).
 *
 * Give a rebuild the continuum it replaces: the points of the servers it holds are
 * taken from it, so a rebuild is a merge into it, or a fill from it and a radix sort:
 * md5 only for servers it did not hold, and no comparison sort of every point (the
 * figures are in bench/README.md, "Rebuilding the continuum on a fleet change").
 */
export class Continuum {
  readonly nodes: readonly RingNode[];
  readonly points: Uint32Array;
  readonly owners: Owners;

  /** Digests per node, by index. */
  readonly digests: Uint32Array;

  /**
   * `previous`: the continuum this one replaces. Servers whose points are unchanged
   * (same name, same digest count) are then taken from it, and only the others' points
   * are sorted and merged in: one server joining or leaving a fleet of 1,000 is a
   * sequential pass over its points. When every count changes (a weight did), the
   * points are still taken from it, hashing only the digests gained or lost.
   * `cache`: the hashing and the sort's working memory, best shared by a fleet's builds.
   */
  constructor(nodes: readonly RingNode[], cache: KetamaPoints = new KetamaPoints(), previous?: Continuum) {
    if (nodes.length > MAX_NODES) throw new RangeError('too many servers for one continuum');
    this.nodes = nodes;
    let total = 0;
    for (const n of nodes) total += n.weight;
    const digests = new Uint32Array(nodes.length);
    let size = 0;
    for (let i = 0; i < nodes.length; i++) {
      digests[i] = ketamaDigests(nodes[i]!.weight, total, nodes.length);
      size += digests[i]! * 4;
    }
    this.digests = digests;
    const plan =
      previous === undefined ? undefined : planMerge(previous.nodes, previous.digests, nodes, digests);
    const built =
      plan === undefined
        ? fullBuild(nodes, digests, size, cache, previous)
        : mergeContinuum(previous!, plan, nodes, digests, size, cache);
    this.points = built.points;
    this.owners = built.owners;
  }

  /** Points on the continuum (160 per server when weights are equal). */
  get size(): number {
    return this.points.length;
  }

  /** Index (into `nodes`) of the server owning `hash`: the first point ≥ hash, wrapping; -1 when empty. */
  ownerOf(hash: number): number {
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    if (hi === 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === points.length ? 0 : lo]!;
  }

  /** Each server's share of the hash space, by node index (for `.servers` tables and stats). */
  shares(): number[] {
    const shares = this.nodes.map(() => 0);
    const points = this.points;
    for (let i = 0; i < points.length; i++) {
      const from = i === 0 ? points[points.length - 1]! - 2 ** 32 : points[i - 1]!;
      shares[this.owners[i]!]! += (points[i]! - from) / 2 ** 32;
    }
    return shares;
  }
}

/**
 * Every server's points, sorted. What the previous continuum holds is taken from it:
 * when it holds most of them, its points (those lost left out) are merged with those
 * gained, sorted apart; otherwise all are gathered and radix-sorted.
 */
function fullBuild(
  nodes: readonly RingNode[],
  digests: Uint32Array,
  size: number,
  cache: KetamaPoints,
  previous: Continuum | undefined,
): SortedPoints {
  const plan = previous === undefined ? undefined : planGather(nodes, digests, cache, previous);
  let sorted: SortedPoints;
  if (plan !== undefined && plan.gainedPoints <= plan.keptPoints) {
    const add = plan.gainedPoints === 0 ? undefined : gainedPoints(nodes, digests, plan, cache);
    sorted = mergeKept(previous!, plan, plan.toNew, add, size, nodes.length, cache);
  } else {
    const src = cache.scratch.take(size, nodes.length);
    const k = plan === undefined ? 0 : keptPoints(previous!, plan, plan.toNew, src);
    // The rest hashed after them: digests from what each server took on.
    for (let i = 0, at = k; i < nodes.length; i++) {
      const end = at + (digests[i]! - (plan?.taken[i] ?? 0)) * 4;
      cache.hash(nodes[i]!.name, plan?.taken[i] ?? 0, digests[i]!, src.points, at);
      src.owners.fill(i, at, end);
      at = end;
    }
    sorted = cache.sort(src, nodes.length);
  }
  // Equal points in owner order: the previous order of kept servers may not be theirs now.
  orderTies(sorted);
  return sorted;
}
