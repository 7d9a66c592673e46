import type { Continuum } from './continuum.js';
import { ketamaHash } from './ketama-hash.js';

/**
 * A bounded cache of route lookups (route key → server index): a hit is a Map lookup
 * instead of an md5.
 *
 * Maps, not a plain object: keys come from user data, and a key such as `__proto__`,
 * `constructor` or `toString` must be just a key (hashring's plain-object cache returns
 * wrong servers for them).
 *
 * Two generations instead of a strict LRU: new entries go to `young`; when it is full
 * it becomes `old` and a new `young` starts; a hit in `old` is moved to `young`. Every
 * step is O(1). (Evicting a Map's oldest entry with `keys().next()` is not: V8 leaves
 * deleted slots at the front for the iterator to walk, so each call walks further.)
 * At most `capacity` routes are held, and, for {@link route}, as many key hashes.
 */
export class RouteCache {
  private young = new Map<string, number>();
  private old = new Map<string, number>();
  /**
   * Keys' md5 hashes (route() only), in generations of their own: a hash holds
   * whatever the ring, so retire() keeps them. Apart from the routes, so that a hit
   * returns a small integer straight from the Map.
   */
  private hashYoung = new Map<string, number>();
  private hashOld = new Map<string, number>();
  private readonly half: number;

  constructor(capacity: number) {
    this.half = Math.max(1, capacity >>> 1);
  }

  get(key: string): number | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, index: number): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, index);
  }

  /**
   * The index (into `ring.nodes`) of the server `key` routes to; -1 when the ring is
   * empty. The key's hash is kept too: after {@link retire} (the ring changed), a key
   * seen before is placed again by a binary search, without md5, so refilling the
   * cache after a fleet change costs a binary search a key, not an md5.
   */
  route(key: string, ring: Continuum): number {
    const owner = this.get(key);
    if (owner !== undefined) return owner;
    let hash = this.hashYoung.get(key) ?? this.hashOld.get(key);
    if (hash === undefined) {
      hash = ketamaHash(key);
      if (this.hashYoung.size >= this.half) {
        this.hashOld = this.hashYoung;
        this.hashYoung = new Map();
      }
      this.hashYoung.set(key, hash);
    }
    const found = ring.ownerOf(hash);
    if (found >= 0) this.set(key, found);
    return found;
  }

  /** The ring changed: every route is to be found again, from the hashes kept (see {@link route}). O(1). */
  retire(): void {
    this.young = new Map();
    this.old = new Map();
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
    this.hashYoung.clear();
    this.hashOld.clear();
  }

  /** Routes held (a key can be in both generations briefly; it is counted once per generation). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
