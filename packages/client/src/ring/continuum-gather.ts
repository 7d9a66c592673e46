import type { KetamaPoints } from './ketama-points.js';
import { type Owners, ownerArray, radixSort } from './radix-sort.js';

/** What a full build reads of the continuum it replaces. */
export interface PreviousPoints {
  readonly nodes: readonly { readonly name: string }[];
  readonly digests: Uint32Array;
  readonly points: Uint32Array;
  readonly owners: Owners;
}

/** A server that loses more digests than this (or than it keeps) is hashed afresh. */
const MAX_LOST_DIGESTS = 4;

/**
 * Fills `src` with every server's points, unsorted: the points of a server the previous
 * continuum held are taken from it, in its order (it holds digests 0 to its count - 1
 * of that server), and only the digests a server gained (or lost: hashed to be picked
 * out) cost an md5; a server it did not hold is hashed whole. A weight change, which
 * changes every server's digest count by one or two, thus costs an md5 or two a server
 * instead of 40. Equal points are not in owner order: see {@link orderTies}.
 */
export function gatherPoints(
  nodes: readonly { readonly name: string }[],
  digests: Uint32Array,
  cache: KetamaPoints,
  previous: PreviousPoints | undefined,
  src: { points: Uint32Array; owners: Owners },
): void {
  const n = nodes.length;
  /** Digests of each server taken from the previous continuum. */
  const taken = new Uint32Array(n);
  let at = 0;
  if (previous !== undefined) {
    const { toNew, lost } = planGather(nodes, digests, cache, previous, taken);
    const { points, owners } = previous;
    // The lost points are sorted as the continuum is (by point, then owner): each is
    // the next of the continuum's entries equal to it, found in the same pass.
    let next = 0;
    for (let p = 0; p < points.length; p++) {
      const point = points[p]!;
      const j = owners[p]!;
      if (point === lost.points[next] && j === lost.owners[next]) {
        next++;
        continue;
      }
      const i = toNew[j]!;
      if (i < 0) continue;
      src.points[at] = point;
      src.owners[at++] = i;
    }
  }
  for (let i = 0; i < n; i++) {
    const end = at + (digests[i]! - taken[i]!) * 4;
    cache.hash(nodes[i]!.name, taken[i]!, digests[i]!, src.points, at);
    src.owners.fill(i, at, end);
    at = end;
  }
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

/**
 * Which previous server's points go to which new one (`toNew[j]`, -1: none), how many
 * digests each new server takes (`taken`), and the points of the digests servers lost
 * (`lost`, with their previous owner), sorted by point, then owner, to be left out.
 */
function planGather(
  nodes: readonly { readonly name: string }[],
  digests: Uint32Array,
  cache: KetamaPoints,
  previous: PreviousPoints,
  taken: Uint32Array,
): { toNew: Int32Array; lost: { points: Uint32Array; owners: Owners } } {
  const at = new Map<string, number>();
  for (let i = nodes.length - 1; i >= 0; i--) at.set(nodes[i]!.name, i);
  const toNew = new Int32Array(previous.nodes.length).fill(-1);
  const claimed = new Uint8Array(nodes.length);
  let lostDigests = 0;
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
  }
  // Gathered by previous owner, ascending: the stable sort keeps that order among equal
  // points. Owners typed as the continuum's: the sort's loops then see one array type.
  const size = lostDigests * 4;
  const raw = { points: new Uint32Array(size), owners: ownerArray(size, previous.nodes.length) };
  let k = 0;
  for (let j = 0; j < toNew.length; j++) {
    const i = toNew[j]!;
    const had = previous.digests[j]!;
    if (i < 0 || had <= digests[i]!) continue;
    cache.hash(nodes[i]!.name, digests[i]!, had, raw.points, k);
    raw.owners.fill(j, k, k + (had - digests[i]!) * 4);
    k += (had - digests[i]!) * 4;
  }
  const lost = { points: new Uint32Array(k), owners: ownerArray(k, previous.nodes.length) };
  radixSort(raw, lost, cache.scratch.counts);
  return { toNew, lost };
}
