import { createHash } from 'node:crypto';
import { radixSort, SortScratch } from './radix-sort.js';

/**
 * Each server's continuum points, by name, computed once: digest k of a server is
 * md5("<name>-<k>") and gives its points 4k..4k+3 (the digest's four little-endian
 * u32 words). They depend on the name and k alone; how many digests a server gets
 * depends on the fleet (its weight share, the server count), so the cache keeps the
 * longest run asked for and hands out a prefix. A fleet change then costs md5 only
 * for names it has not seen (40 digests each at equal weights).
 *
 * Bounded: once it holds more names than twice the largest fleet built lately (and
 * at least {@link MIN_NAMES}), the names the last build did not use are forgotten.
 */
export class KetamaPoints {
  /** The sort's working memory, reused by every build. */
  readonly scratch = new SortScratch();
  private readonly byName = new Map<string, Uint32Array>();
  private largest = 0;

  /**
   * The points of `owners` (indexes into `nodes` and `digests`, ascending), sorted by
   * point, then owner (the radix sort is stable), in new arrays. They are gathered
   * first into `src`, which holds exactly their number.
   */
  sorted(
    owners: Iterable<number>,
    nodes: readonly { readonly name: string }[],
    digests: Uint32Array,
    src: { points: Uint32Array; owners: Uint32Array },
  ): { points: Uint32Array; owners: Uint32Array } {
    let at = 0;
    for (const owner of owners) {
      const own = this.points(nodes[owner]!.name, digests[owner]!);
      src.points.set(own, at);
      src.owners.fill(owner, at, at + own.length);
      at += own.length;
    }
    const out = { points: new Uint32Array(src.points.length), owners: new Uint32Array(src.points.length) };
    radixSort(src, out, this.scratch.counts);
    return out;
  }

  /** The first `digests × 4` points of `name`. */
  points(name: string, digests: number): Uint32Array {
    const have = this.byName.get(name);
    const need = digests * 4;
    if (have !== undefined && have.length >= need) return have.subarray(0, need);
    const points = new Uint32Array(need);
    const from = have === undefined ? 0 : have.length / 4;
    if (have !== undefined) points.set(have);
    for (let k = from; k < digests; k++) {
      const digest = createHash('md5').update(`${name}-${k}`).digest();
      for (let h = 0; h < 4; h++) points[k * 4 + h] = digest.readUInt32LE(h * 4);
    }
    this.byName.set(name, points);
    return points;
  }

  /** After a build over `names`: forgets the names it did not use, if the cache has grown past its bound. */
  used(names: readonly { name: string }[]): void {
    this.largest = Math.max(this.largest, names.length);
    if (this.byName.size <= Math.max(MIN_NAMES, 2 * this.largest)) return;
    const keep = new Set(names.map((n) => n.name));
    for (const name of this.byName.keys()) if (!keep.has(name)) this.byName.delete(name);
    this.largest = names.length;
  }

  /** Names held. */
  get size(): number {
    return this.byName.size;
  }
}

/** Below this many names the cache is never pruned: servers that are down a while keep theirs. */
const MIN_NAMES = 1024;
