import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { PN_OFFSET, SEALED_BODY_OFFSET, TAG_BYTES } from './constants.js';
import type { FrameKey } from './keys.js';
import { type SealedSuite, Suite } from './suite.js';

/*
 * The cryptography of a sealed frame, for a frame of suite s sealed with key K:
 *   session key = HKDF-SHA256(IKM = K, salt = salt, info = "clogs v2 frame key" || s, L = 32)
 *   nonce (12)  = direction || 00 00 00 || pn (u64 BE)
 *   suites 1, 2: AEAD(aad = bytes [0, 52), plaintext = body), ciphertext over the body, tag after.
 *   suite 3:     ChaCha20-Poly1305(aad = bytes [0, 52 + n), plaintext empty), tag after.
 */

const INFO_LABEL = 'clogs v2 frame key';
export const NONCE_BYTES = 12;
/** The nonce's first byte: which side sealed the frame. */
export const Direction = { CLIENT: 0x01, SERVER: 0x02 } as const;
export type Direction = (typeof Direction)[keyof typeof Direction];

const ALGORITHM: Record<SealedSuite, CipherGCMTypes | 'chacha20-poly1305'> = {
  1: 'chacha20-poly1305',
  2: 'aes-256-gcm',
  3: 'chacha20-poly1305',
};
const TAG_OPTIONS = { authTagLength: TAG_BYTES } as const;

/** HKDF-SHA256 of the session key for one (key, salt, suite). */
export function deriveSessionKey(key: FrameKey, salt: Uint8Array, suite: SealedSuite): KeyObject {
  const info = Buffer.alloc(INFO_LABEL.length + 1);
  info.write(INFO_LABEL, 'latin1');
  info[INFO_LABEL.length] = suite;
  return createSecretKey(Buffer.from(hkdfSync('sha256', key.bytes, salt, info, 32)));
}

/** Writes into `nonce` the nonce of the frame whose pn is at PN_OFFSET in `frame`. */
export function frameNonce(nonce: Buffer, direction: Direction, frame: Uint8Array): Buffer {
  nonce[0] = direction;
  nonce[1] = 0;
  nonce[2] = 0;
  nonce[3] = 0;
  nonce.set(frame.subarray(PN_OFFSET, PN_OFFSET + 8), 4);
  return nonce;
}

/**
 * Seals `frame` (header, seal block, body, tag room; the seal block already written):
 * the body is encrypted in place (suites 1, 2) and the tag written in the last 16 bytes.
 */
export function sealInPlace(frame: Buffer, suite: SealedSuite, key: KeyObject, nonce: Buffer): void {
  const bodyEnd = frame.length - TAG_BYTES;
  const cipher = createCipheriv(ALGORITHM[suite] as 'chacha20-poly1305', key, nonce, TAG_OPTIONS);
  if (suite === Suite.CHACHA20_POLY1305_AUTH_ONLY) {
    cipher.setAAD(frame.subarray(0, bodyEnd), { plaintextLength: 0 });
    cipher.final();
  } else {
    cipher.setAAD(frame.subarray(0, SEALED_BODY_OFFSET), { plaintextLength: bodyEnd - SEALED_BODY_OFFSET });
    let at = SEALED_BODY_OFFSET;
    at += cipher.update(frame.subarray(SEALED_BODY_OFFSET, bodyEnd)).copy(frame, at);
    cipher.final().copy(frame, at);
  }
  cipher.getAuthTag().copy(frame, bodyEnd);
}

/**
 * Verifies the tag of a sealed `frame` and, only once it verified, writes the plaintext
 * over the body (suites 1, 2). The plaintext is never handed out before the tag is
 * checked: a frame whose tag fails is left exactly as it came. `false` when the tag fails.
 */
export function openInPlace(frame: Buffer, suite: SealedSuite, key: KeyObject, nonce: Buffer): boolean {
  const bodyEnd = frame.length - TAG_BYTES;
  const decipher = createDecipheriv(ALGORITHM[suite] as 'chacha20-poly1305', key, nonce, TAG_OPTIONS);
  decipher.setAuthTag(frame.subarray(bodyEnd));
  if (suite === Suite.CHACHA20_POLY1305_AUTH_ONLY) {
    decipher.setAAD(frame.subarray(0, bodyEnd), { plaintextLength: 0 });
    try {
      decipher.final();
    } catch {
      return false;
    }
    return true;
  }
  decipher.setAAD(frame.subarray(0, SEALED_BODY_OFFSET), { plaintextLength: bodyEnd - SEALED_BODY_OFFSET });
  const plain = decipher.update(frame.subarray(SEALED_BODY_OFFSET, bodyEnd));
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    return false;
  }
  const at = SEALED_BODY_OFFSET + plain.copy(frame, SEALED_BODY_OFFSET);
  tail.copy(frame, at);
  return true;
}
