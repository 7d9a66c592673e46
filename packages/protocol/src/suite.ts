import { ProtocolError } from './errors.js';

/** How a version 2 frame is sealed (header byte 5). */
export const Suite = {
  PLAIN: 0,
  CHACHA20_POLY1305: 1,
  AES_256_GCM: 2,
  /** ChaCha20-Poly1305 over the whole frame, body in clear: integrity only, an explicit choice. */
  CHACHA20_POLY1305_AUTH_ONLY: 3,
} as const;
export type Suite = (typeof Suite)[keyof typeof Suite];
/** The suites that seal: a seal block and a tag around the body. */
export type SealedSuite = Exclude<Suite, typeof Suite.PLAIN>;
export const MAX_SUITE = Suite.CHACHA20_POLY1305_AUTH_ONLY;

/** The names options, flags and config files use for the sealed suites. */
export type SuiteName = 'chacha20-poly1305' | 'aes-256-gcm' | 'integrity-only';

const NAMES: Record<SealedSuite, SuiteName> = {
  1: 'chacha20-poly1305',
  2: 'aes-256-gcm',
  3: 'integrity-only',
};

export function suiteName(suite: Suite): SuiteName | 'plain' {
  return suite === Suite.PLAIN ? 'plain' : NAMES[suite];
}

/** @throws {ProtocolError} `ERR_PROTOCOL_BAD_SUITE` for a name that is not a sealed suite's. */
export function suiteFromName(name: string): SealedSuite {
  for (const [suite, known] of Object.entries(NAMES)) {
    if (known === name) return Number(suite) as SealedSuite;
  }
  throw new ProtocolError(
    'ERR_PROTOCOL_BAD_SUITE',
    `unknown suite "${name}": use ${Object.values(NAMES).join(', ')}`,
  );
}

export function isSealedSuite(value: unknown): value is SealedSuite {
  return value === 1 || value === 2 || value === 3;
}
