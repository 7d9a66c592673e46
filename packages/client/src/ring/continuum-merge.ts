import { type GatherPlan, keptPoints } from './continuum-gather.js';
import type { KetamaPoints } from './ketama-points.js';
import { ownerArray, type SortedPoints } from './radix-sort.js';

/** What a merge needs of a server: its name (a continuum's RingNode). */
interface Named {
  readonly name: string;
}

/**
 * How a fleet change can reuse the previous continuum: `oldToNew[j]` is the new index
 * of previous node j when its name and digest count are unchanged (its points are
 * then the same), else -1; `added` lists the new nodes whose points must be merged in.
 * Undefined when reuse would not pay (most points new) or could change the order of
 * equal points: that order is by owner index, so the kept servers must keep their
 * relative order, and names must be distinct.
 */
export function planMerge(
  before: readonly Named[],
  beforeDigests: Uint32Array,
  nodes: readonly Named[],
  digests: Uint32Array,
): { oldToNew: Int32Array; added: number[] } | undefined {
  const at = new Map<string, number>();
  for (let j = 0; j < before.length; j++) at.set(before[j]!.name, j);
  if (at.size !== before.length) return undefined;
  const oldToNew = new Int32Array(before.length).fill(-1);
  const added: number[] = [];
  let keptPoints = 0;
  let addedPoints = 0;
  const names = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    const name = nodes[i]!.name;
    names.add(name);
    const j = at.get(name);
    if (j !== undefined && beforeDigests[j] === digests[i]) {
      oldToNew[j] = i;
      keptPoints += digests[i]! * 4;
    } else {
      added.push(i);
      addedPoints += digests[i]! * 4;
    }
  }
  if (names.size !== nodes.length || addedPoints > keptPoints) return undefined;
  let last = -1;
  for (let j = 0; j < oldToNew.length; j++) {
    const i = oldToNew[j]!;
    if (i < 0) continue;
    if (i < last) return undefined;
    last = i;
  }
  return { oldToNew, added };
}

/**
 * The new continuum from the previous one: its points of kept servers (owners
 * renumbered; a sequential pass, order kept), merged with the added servers' points
 * (sorted apart). O(points), no md5 for servers already seen, no full sort.
 */
export function mergeContinuum(
  before: SortedPoints,
  plan: { oldToNew: Int32Array; added: number[] },
  nodes: readonly Named[],
  digests: Uint32Array,
  size: number,
  cache: KetamaPoints,
): SortedPoints {
  let addedSize = 0;
  for (const i of plan.added) addedSize += digests[i]! * 4;
  const raw = { points: new Uint32Array(addedSize), owners: ownerArray(addedSize, nodes.length) };
  const add = addedSize === 0 ? undefined : cache.sorted(plan.added, nodes, digests, raw);
  return mergeKept(before, undefined, plan.oldToNew, add, size, nodes.length, cache);
}

/**
 * The previous continuum's points of the servers kept (`toNew`, with a gather plan's
 * lost points left out: see {@link keptPoints}), merged with `add`, sorted apart.
 * Equal points of a kept and an added server are placed by owner as the kept ones
 * stand; a full build then orders them (orderTies).
 */
export function mergeKept(
  before: SortedPoints,
  gather: GatherPlan | undefined,
  toNew: Int32Array,
  add: SortedPoints | undefined,
  size: number,
  nodes: number,
  cache: KetamaPoints,
): SortedPoints {
  const out = { points: new Uint32Array(size), owners: ownerArray(size, nodes) };
  // Nothing joins: the kept points go straight to their place.
  const kept = add === undefined ? out : cache.scratch.take(before.points.length, nodes);
  const k = keptPoints(before, gather, toNew, kept);
  if (add === undefined) return out;
  const addedSize = add.points.length;
  // Few points join many: each added point's place is found by binary search, and the
  // kept points before it are copied as one run.
  let from = 0;
  let o = 0;
  for (let j = 0; j < addedSize; j++) {
    const p = add.points[j]!;
    const owner = add.owners[j]!;
    let lo = from;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = kept.points[mid]!;
      if (q < p || (q === p && kept.owners[mid]! < owner)) lo = mid + 1;
      else hi = mid;
    }
    out.points.set(kept.points.subarray(from, lo), o);
    out.owners.set(kept.owners.subarray(from, lo), o);
    o += lo - from;
    from = lo;
    out.points[o] = p;
    out.owners[o++] = owner;
  }
  out.points.set(kept.points.subarray(from, k), o);
  out.owners.set(kept.owners.subarray(from, k), o);
  return out;
}
