import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { TRAILER_BYTES } from './constants.js';
import { ProtocolError } from './errors.js';

/** An AUTH key: raw bytes, or a secret `KeyObject` (cheaper: made once, not per frame). */
export type AuthKey = Uint8Array | KeyObject;

/** Turns key bytes into the `KeyObject` the codecs use; refuses an empty key. */
export function createAuthKey(key: AuthKey): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'secret') {
      throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'an AUTH key must be a secret key');
    }
    return key;
  }
  if (!(key instanceof Uint8Array) || key.byteLength === 0) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'an AUTH key must be a non-empty byte array');
  }
  return createSecretKey(key);
}

function digest(key: KeyObject, buf: Uint8Array, end: number): Buffer {
  return createHmac('sha256', key).update(buf.subarray(0, end)).digest();
}

/** Writes the trailer over `buf[0, end)` at `end`; returns the datagram length. */
export function writeTrailer(buf: Uint8Array, end: number, key: KeyObject): number {
  buf.set(digest(key, buf, end).subarray(0, TRAILER_BYTES), end);
  return end + TRAILER_BYTES;
}

/** True when the 16 bytes at `end` are the trailer of `buf[0, end)`. Constant-time compare. */
export function trailerMatches(buf: Uint8Array, end: number, key: KeyObject): boolean {
  return timingSafeEqual(
    digest(key, buf, end).subarray(0, TRAILER_BYTES),
    buf.subarray(end, end + TRAILER_BYTES),
  );
}
