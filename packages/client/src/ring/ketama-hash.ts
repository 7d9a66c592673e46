import * as crypto from 'node:crypto';

// crypto.hash (Node 20.12+) hashes in one call, without a Hash object made and dropped per key.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;

/**
 * libketama's key hash: the first four bytes of md5(key), read little-endian
 * (`ketama_hashi`). An md5 per key is what a route costs, which is why routes are cached.
 */
export function ketamaHash(key: string): number {
  const digest =
    oneShot === undefined ? crypto.createHash('md5').update(key).digest() : oneShot('md5', key, 'buffer');
  return digest.readUInt32LE(0);
}
