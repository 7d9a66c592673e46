import * as crypto from 'node:crypto';
import { type Owners, ownerArray, radixSort, SortScratch } from './radix-sort.js';

// crypto.hash (Node 20.12+) hashes in one call. A Hash object per digest leaves its
// native state in malloc's free lists: the first build of a big fleet (40 digests a
// server) grew RSS by kilobytes a server that way. The hex string allocates nothing native.
const oneShot = (crypto as { hash?: (algorithm: string, data: string) => string }).hash;

/** The little-endian u32 word `w` (0–3) of an md5 digest given as 32 hex digits. */
function hexWord(hex: string, w: number): number {
  const x = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16);
  return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/**
 * Servers' continuum points, hashed, and the sort that orders them: digest k of a
 * server is md5("<name>-<k>") and gives its points 4k..4k+3 (the digest's four
 * little-endian u32 words). They depend on the name and k alone.
 *
 * Nothing is kept per server: the points of the servers in a continuum are in it, and
 * the next build takes them from there (see continuum-gather.ts). md5 runs for servers
 * the previous continuum did not hold and for digests a server gains or loses.
 */
export class KetamaPoints {
  /** The sort's working memory, reused by every build. */
  readonly scratch = new SortScratch();
  /** Digests hashed so far (each is one md5). */
  hashed = 0;

  /**
   * The points of `owners` (indexes into `nodes` and `digests`, ascending), sorted by
   * point, then owner (the radix sort is stable), in new arrays. They are gathered
   * first into `src`, which holds exactly their number.
   */
  sorted(
    owners: Iterable<number>,
    nodes: readonly { readonly name: string }[],
    digests: Uint32Array,
    src: { points: Uint32Array; owners: Owners },
  ): { points: Uint32Array; owners: Owners } {
    let at = 0;
    for (const owner of owners) {
      const end = at + digests[owner]! * 4;
      this.hash(nodes[owner]!.name, 0, digests[owner]!, src.points, at);
      src.owners.fill(owner, at, end);
      at = end;
    }
    return this.sort(src, nodes.length);
  }

  /** `src` sorted into new arrays (owners below `nodes`); `src` is overwritten. */
  sort(src: { points: Uint32Array; owners: Owners }, nodes: number): { points: Uint32Array; owners: Owners } {
    const n = src.points.length;
    const out = { points: new Uint32Array(n), owners: ownerArray(n, nodes) };
    radixSort(src, out, this.scratch.counts);
    return out;
  }

  /** The first `digests × 4` points of `name`, in digest order. */
  points(name: string, digests: number): Uint32Array {
    const points = new Uint32Array(digests * 4);
    this.hash(name, 0, digests, points, 0);
    return points;
  }

  /** Writes the points of digests `from` to `to` - 1 of `name` into `into`, from index `at`. */
  hash(name: string, from: number, to: number, into: Uint32Array, at: number): void {
    for (let k = from; k < to; k++, at += 4) {
      if (oneShot === undefined) {
        const digest = crypto.createHash('md5').update(`${name}-${k}`).digest();
        for (let h = 0; h < 4; h++) into[at + h] = digest.readUInt32LE(h * 4);
      } else {
        const hex = oneShot('md5', `${name}-${k}`);
        for (let h = 0; h < 4; h++) into[at + h] = hexWord(hex, h);
      }
    }
    if (to > from) this.hashed += to - from;
  }
}
