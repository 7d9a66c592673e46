import { createHash } from 'node:crypto';

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

/**
 * A ketama consistent-hash continuum, built exactly as libketama builds it: for each
 * server, {@link ketamaDigests} digests md5("<name>-<k>"), each giving four points
 * (its four little-endian u32 words); the points are sorted; a key belongs to the
 * server of the first point ≥ its hash, wrapping to the first point.
 *
 * Points live in one `Uint32Array`, their owners (indexes into `nodes`) in another.
 */
export class Continuum {
  readonly nodes: readonly RingNode[];
  readonly points: Uint32Array;
  readonly owners: Uint32Array;

  constructor(nodes: readonly RingNode[]) {
    this.nodes = nodes;
    const total = nodes.reduce((sum, n) => sum + n.weight, 0);
    const counts = nodes.map((n) => ketamaDigests(n.weight, total, nodes.length) * 4);
    const size = counts.reduce((a, b) => a + b, 0);
    // Sort (point, owner) pairs packed in one float64: point × 2^20 + owner stays exact
    // (2^32 × 2^20 < 2^53) and sorts by point, then by owner, without objects.
    if (nodes.length > 2 ** 20) throw new RangeError('too many servers for one continuum');
    const packed = new Float64Array(size);
    let at = 0;
    nodes.forEach((node, owner) => {
      for (let k = 0; k < counts[owner]! / 4; k++) {
        const digest = createHash('md5').update(`${node.name}-${k}`).digest();
        for (let h = 0; h < 4; h++) packed[at++] = digest.readUInt32LE(h * 4) * 2 ** 20 + owner;
      }
    });
    packed.sort();
    this.points = new Uint32Array(size);
    this.owners = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      const owner = packed[i]! % 2 ** 20;
      this.owners[i] = owner;
      this.points[i] = (packed[i]! - owner) / 2 ** 20;
    }
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
