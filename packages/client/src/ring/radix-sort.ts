/** Digit width: 3 passes of 11, 11 and 10 bits. 2,048 buckets keep the scatter's write streams in cache. */
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

/** Owner indexes of points: 16 bits each while a continuum has at most 65,536 servers. */
export type Owners = Uint16Array | Uint32Array;

/** Points sorted by (point, owner). */
export interface SortedPoints {
  points: Uint32Array;
  owners: Owners;
}

/** An owner array for `n` points of a continuum over `nodes` servers. */
export function ownerArray(n: number, nodes: number): Owners {
  return nodes <= 2 ** 16 ? new Uint16Array(n) : new Uint32Array(n);
}

/**
 * Sorts points ascending, moving their owners along: an LSD radix sort in three
 * passes, stable (equal points keep their input order), the three digits counted in
 * one read. From `src` (which it overwrites: it is the ping-pong buffer) into `out`.
 * Not 16-bit digits: two passes, but 65,536 write streams, which miss the cache.
 */
export function radixSort(
  src: { points: Uint32Array; owners: Owners },
  out: { points: Uint32Array; owners: Owners },
  counts: Uint32Array,
): void {
  const n = out.points.length;
  counts.fill(0);
  const sp = src.points;
  for (let i = 0; i < n; i++) {
    const p = sp[i]!;
    counts[p & MASK]!++;
    counts[BUCKETS + ((p >>> BITS) & MASK)]!++;
    counts[2 * BUCKETS + (p >>> (2 * BITS))]!++;
  }
  for (let pass = 0; pass < 3; pass++) {
    let sum = 0;
    for (let d = pass * BUCKETS, end = d + BUCKETS; d < end; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
  }
  scatter(src.points, src.owners, out.points, out.owners, counts, 0, n);
  scatter(out.points, out.owners, src.points, src.owners, counts, 1, n);
  scatter(src.points, src.owners, out.points, out.owners, counts, 2, n);
}

function scatter(
  fromPoints: Uint32Array,
  fromOwners: Owners,
  toPoints: Uint32Array,
  toOwners: Owners,
  counts: Uint32Array,
  pass: number,
  n: number,
): void {
  const shift = pass * BITS;
  const base = pass * BUCKETS;
  for (let i = 0; i < n; i++) {
    const p = fromPoints[i]!;
    const to = counts[base + ((p >>> shift) & MASK)]!++;
    toPoints[to] = p;
    toOwners[to] = fromOwners[i]!;
  }
}

/**
 * The radix sort's working memory. The digit counts are kept between builds; the point
 * buffers are not: held between builds they would cost 6–8 bytes a point for as long
 * as the fleet stands, and a build allocates its outputs anyway.
 */
export class SortScratch {
  /** The three digits' counts. */
  readonly counts = new Uint32Array(3 * BUCKETS);

  /** Buffers for `n` points of a continuum over `nodes` servers (the caller fills them), for one build. */
  take(n: number, nodes: number): { points: Uint32Array; owners: Owners } {
    return { points: new Uint32Array(n), owners: ownerArray(n, nodes) };
  }
}
