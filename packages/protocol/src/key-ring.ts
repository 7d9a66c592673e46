import { createSecretKey, type KeyObject } from 'node:crypto';
import { deriveSessionKey } from './aead.js';
import { ProtocolError } from './errors.js';
import type { FrameKey } from './keys.js';
import type { SealedSuite } from './suite.js';

export interface KeyRingOptions {
  /**
   * Session keys kept (one per key, salt and suite whose frames verified). Default
   * 16,384; past it the oldest goes (it is derived again, one HKDF, when needed).
   */
  maxCachedSessions?: number | undefined;
}

const DEFAULT_MAX_CACHED_SESSIONS = 16_384;

/**
 * The keys a receiver opens sealed frames with, found by key id (a server holds the old
 * and the new key while clients move from one to the other), and the session keys
 * derived from them. A session key is cached only once a frame sealed with it has
 * verified, so forged frames leave no state behind.
 */
export class KeyRing {
  readonly keys: readonly FrameKey[];
  private readonly byId = new Map<number, FrameKey>();
  private readonly sessions = new Map<string, KeyObject>();
  private readonly maxSessions: number;
  private hmacKeys: KeyObject[] | undefined;

  constructor(keys: readonly FrameKey[], options: KeyRingOptions = {}) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'a KeyRing needs at least one key');
    }
    for (const key of keys) {
      const other = this.byId.get(key.id);
      if (other !== undefined && !other.bytes.equals(key.bytes)) {
        throw new ProtocolError(
          'ERR_PROTOCOL_BAD_ARGUMENT',
          `two different keys share key id 0x${key.id.toString(16).padStart(8, '0')}: make a new key`,
        );
      }
      this.byId.set(key.id, key);
    }
    this.keys = [...this.byId.values()];
    const max = options.maxCachedSessions ?? DEFAULT_MAX_CACHED_SESSIONS;
    if (!Number.isInteger(max) || max < 1) {
      throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', `maxCachedSessions must be a positive integer`);
    }
    this.maxSessions = max;
  }

  get(id: number): FrameKey | undefined {
    return this.byId.get(id);
  }

  /** Session keys cached now (for tests and stats). */
  get cachedSessions(): number {
    return this.sessions.size;
  }

  /** The keys as version 1 HMAC keys, for a receiver that accepts version 1 frames. */
  v1AuthKeys(): readonly KeyObject[] {
    this.hmacKeys ??= this.keys.map((k) => createSecretKey(k.bytes));
    return this.hmacKeys;
  }

  /** A cached session key, or undefined: then derive one and {@link remember} it once it verified. */
  cached(cacheKey: string): KeyObject | undefined {
    return this.sessions.get(cacheKey);
  }

  derive(key: FrameKey, salt: Uint8Array, suite: SealedSuite): KeyObject {
    return deriveSessionKey(key, salt, suite);
  }

  remember(cacheKey: string, sessionKey: KeyObject): void {
    if (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    this.sessions.set(cacheKey, sessionKey);
  }
}
