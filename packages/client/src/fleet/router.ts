import type { RouteMode } from '../options.js';
import { Continuum } from '../ring/continuum.js';
import { ketamaHash } from '../ring/ketama-hash.js';
import { KetamaPoints } from '../ring/ketama-points.js';
import { RouteCache } from '../ring/route-cache.js';
import type { ServerSpec } from '../server-spec.js';

/** The fields a route is chosen by. */
export interface RoutedRecord {
  sysId: string;
  msgType: string;
  fileName: string;
}

/**
 * Which server a record goes to: a ketama continuum over the servers in it, a cache of
 * route keys, and, for the default route, the last file's server (a run of records to
 * one file builds no key and looks nothing up). Knows servers only by name and weight.
 */
export class Router<T extends { readonly spec: ServerSpec }> {
  /** The servers in the continuum, by its node index. */
  members: readonly T[] = [];
  private ring = new Continuum([]);
  /** The continuum builds' hashing and sort memory (a fleet change takes points from the previous continuum). */
  private readonly ketama = new KetamaPoints();
  private readonly cache: RouteCache;
  /** Round robin position for route 'record'. */
  private roundRobin = 0;
  private lastSys = '';
  private lastFile = '';
  private lastMember: T | undefined;

  constructor(
    /** What a route key is made of; a live config changes it through {@link setRoute}. */
    private mode: RouteMode,
    cacheSize: number,
  ) {
    this.cache = new RouteCache(cacheSize);
  }

  /** Routes by `route` from the next record on. */
  setRoute(route: RouteMode): void {
    this.mode = route;
    this.lastMember = undefined;
  }

  /** The continuum is now over `members`: routes are looked up afresh. */
  rebuild(members: readonly T[]): void {
    this.members = members;
    // A spec is a RingNode (name, weight): no object a server for the continuum's list.
    this.ring = new Continuum(
      members.map((m) => m.spec),
      this.ketama,
      this.ring,
    );
    this.cache.retire();
    this.lastMember = undefined;
  }

  /** The server for a record; undefined when the continuum is empty. */
  pick(rec: RoutedRecord): T | undefined {
    const members = this.members;
    if (members.length === 0) return undefined;
    const mode = this.mode;
    if (mode === 'record') return members[this.roundRobin++ % members.length];
    if (mode === 'file') {
      // The same file as the last record: no key to build, no lookup.
      if (rec.sysId === this.lastSys && rec.fileName === this.lastFile && this.lastMember !== undefined) {
        return this.lastMember;
      }
      const member = this.lookup(`${rec.sysId}/${rec.fileName}`);
      this.lastSys = rec.sysId;
      this.lastFile = rec.fileName;
      this.lastMember = member;
      return member;
    }
    return this.lookup(mode({ sysId: rec.sysId, msgType: rec.msgType, fileName: rec.fileName }));
  }

  /** The server a route key maps to now, or undefined when the continuum is empty. */
  route(key: string): T | undefined {
    const index = this.ring.ownerOf(ketamaHash(key));
    return index < 0 ? undefined : this.members[index];
  }

  /** Each member's share of the continuum, by its index in {@link members}. */
  shares(): number[] {
    return this.ring.shares();
  }

  private lookup(key: string): T {
    return this.members[this.cache.route(key, this.ring)]!;
  }
}
