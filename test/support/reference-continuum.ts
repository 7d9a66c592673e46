import { createHash } from 'node:crypto';

export interface RefNode {
  name: string;
  weight: number;
}

/** libketama's digests per server, `floorf((float)w / (float)W * 40.0 * (float)n)`, written out again. */
function digests(weight: number, total: number, servers: number): number {
  return Math.floor(Math.fround(Math.fround(Math.fround(weight) / Math.fround(total)) * 40 * servers));
}

/**
 * A ketama continuum built from scratch, the plain way (the client's own build before
 * it reused points and radix-sorted them): md5 of every digest of every server, then one
 * comparison sort of (point, owner) pairs. The tests hold the client's build to it;
 * the routing benchmark times it as "before".
 */
export function referenceContinuum(nodes: readonly RefNode[]): { points: Uint32Array; owners: Uint32Array } {
  const total = nodes.reduce((sum, n) => sum + n.weight, 0);
  const counts = nodes.map((n) => digests(n.weight, total, nodes.length) * 4);
  const size = counts.reduce((a, b) => a + b, 0);
  // point × 2^20 + owner stays exact (2^52 < 2^53) and sorts by point, then by owner.
  const packed = new Float64Array(size);
  let at = 0;
  nodes.forEach((node, owner) => {
    for (let k = 0; k < counts[owner]! / 4; k++) {
      const digest = createHash('md5').update(`${node.name}-${k}`).digest();
      for (let h = 0; h < 4; h++) packed[at++] = digest.readUInt32LE(h * 4) * 2 ** 20 + owner;
    }
  });
  packed.sort();
  const points = new Uint32Array(size);
  const owners = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    owners[i] = packed[i]! % 2 ** 20;
    points[i] = (packed[i]! - owners[i]!) / 2 ** 20;
  }
  return { points, owners };
}
