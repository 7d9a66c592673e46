import type { KetamaPoints } from './ketama-points.js';
import { type Owners, ownerArray, type SortedPoints } from './radix-sort.js';

/** What a full build reads of the continuum it replaces. */
export interface PreviousPoints {
  readonly nodes: readonly { readonly name: string }[];
  readonly digests: Uint32Array;
  readonly points: Uint32Array;
  readonly owners: Owners;
}

/**
 * How a full build (every digest count changed: a weight did) reuses the previous
 * continuum, which holds digests 0 to its count - 1 of each of its servers:
 * `toNew[j]` is the new index of previous server j (-1: none), `taken[i]` how many
 * digests new server i takes from it, `lost` the points of the digests servers lost
 * (with their previous owner), sorted as the continuum is, to be left out;
 * `keptPoints` and `gainedPoints` what is taken and what must be hashed.
 */
export interface GatherPlan {
  readonly toNew: Int32Array;
  readonly taken: Uint32Array;
  readonly lost: SortedPoints;
  readonly keptPoints: number;
  readonly gainedPoints: number;
}

/** A server that loses more digests than this (or than it keeps) is hashed afresh. */
const MAX_LOST_DIGESTS = 4;

/**
 * Plans a full build from `previous`: a weight change, which changes every server's
 * digest count by one or two, then costs an md5 or two a server instead of 40 (the
 * digests lost are hashed to be picked out, those gained to be added).
 */
export function planGather(
  nodes: readonly { readonly name: string }[],
  digests: Uint32Array,
  cache: KetamaPoints,
  previous: PreviousPoints,
): GatherPlan {
  const at = new Map<string, number>();
  for (let i = nodes.length - 1; i >= 0; i--) at.set(nodes[i]!.name, i);
  const toNew = new Int32Array(previous.nodes.length).fill(-1);
  const taken = new Uint32Array(nodes.length);
  const claimed = new Uint8Array(nodes.length);
  let lostDigests = 0;
  let keptPoints = 0;
  let size = 0;
  for (let i = 0; i < nodes.length; i++) size += digests[i]! * 4;
  for (let j = 0; j < previous.nodes.length; j++) {
    const i = at.get(previous.nodes[j]!.name);
    // A name twice in either list: its first place only (the others are hashed).
    if (i === undefined || claimed[i] === 1) continue;
    const had = previous.digests[j]!;
    const has = digests[i]!;
    if (had > has && (had - has > MAX_LOST_DIGESTS || had - has >= has)) continue;
    if (had > has) lostDigests += had - has;
    claimed[i] = 1;
    toNew[j] = i;
    taken[i] = Math.min(had, has);
    keptPoints += taken[i]! * 4;
  }
  // Gathered by previous owner, ascending: the stable sort keeps that order among equal
  // points. Owners typed as the continuum's: the sort's loops then see one array type.
  const raw = {
    points: new Uint32Array(lostDigests * 4),
    owners: ownerArray(lostDigests * 4, previous.nodes.length),
  };
  let k = 0;
  for (let j = 0; j < toNew.length; j++) {
    const i = toNew[j]!;
    const had = previous.digests[j]!;
    if (i < 0 || had <= digests[i]!) continue;
    cache.hash(nodes[i]!.name, digests[i]!, had, raw.points, k);
    raw.owners.fill(j, k, k + (had - digests[i]!) * 4);
    k += (had - digests[i]!) * 4;
  }
  const lost = cache.sort(raw, previous.nodes.length);
  return { toNew, taken, lost, keptPoints, gainedPoints: size - keptPoints };
}

/**
 * The points each server gained (digests `taken[i]` on), or every point of a server
 * the previous continuum did not hold, sorted by point, then owner.
 */
export function gainedPoints(
  nodes: readonly { readonly name: string }[],
  digests: Uint32Array,
  plan: GatherPlan,
  cache: KetamaPoints,
): SortedPoints {
  const raw = {
    points: new Uint32Array(plan.gainedPoints),
    owners: ownerArray(plan.gainedPoints, nodes.length),
  };
  let at = 0;
  for (let i = 0; i < nodes.length; i++) {
    const end = at + (digests[i]! - plan.taken[i]!) * 4;
    cache.hash(nodes[i]!.name, plan.taken[i]!, digests[i]!, raw.points, at);
    raw.owners.fill(i, at, end);
    at = end;
  }
  return cache.sort(raw, nodes.length);
}

/**
 * Writes the previous continuum's points of the servers `toNew` keeps into `into`
 * (owners renumbered, in the previous order: sorted by point), leaving out those a
 * gather `plan` says were lost; returns how many. The lost points are sorted as the continuum is: each is the next of
 * its entries equal to it, found in the same pass.
 */
export function keptPoints(
  previous: SortedPoints,
  plan: GatherPlan | undefined,
  toNew: Int32Array,
  into: SortedPoints,
): number {
  const { points, owners } = previous;
  const lost = plan?.lost;
  let next = 0;
  let k = 0;
  for (let p = 0; p < points.length; p++) {
    const point = points[p]!;
    const j = owners[p]!;
    if (lost !== undefined && point === lost.points[next] && j === lost.owners[next]) {
      next++;
      continue;
    }
    const i = toNew[j]!;
    if (i < 0) continue;
    into.points[k] = point;
    into.owners[k++] = i;
  }
  return k;
}

/**
 * Orders each run of equal points by owner, as libketama's build does (its sort puts
 * equal points in the order the servers were listed). Runs are rare and short (md5
 * words of two servers colliding), so this is one sequential pass.
 */
export function orderTies(sorted: { points: Uint32Array; owners: Owners }): void {
  const { points, owners } = sorted;
  for (let i = 1; i < points.length; i++) {
    if (points[i] !== points[i - 1] || owners[i]! >= owners[i - 1]!) continue;
    const owner = owners[i]!;
    let k = i;
    for (; k > 0 && points[k - 1] === points[i] && owners[k - 1]! > owner; k--) owners[k] = owners[k - 1]!;
    owners[k] = owner;
  }
}
