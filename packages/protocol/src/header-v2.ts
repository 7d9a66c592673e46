import { Direction, frameNonce, NONCE_BYTES, openInPlace } from './aead.js';
import { readU32 } from './bytes.js';
import {
  ACK_RANGE_BYTES,
  BOOT_BYTES,
  Flag,
  HEADER_BYTES,
  KEY_ID_OFFSET,
  Kind,
  KNOWN_FLAGS_V2,
  MAX_ACK_RANGES,
  MIN_SEALED_FRAME_BYTES,
  PEER_OFFSET,
  PN_OFFSET,
  PONG_BODY_BYTES,
  SALT_OFFSET,
  SEALED_BODY_OFFSET,
  TAG_BYTES,
} from './constants.js';
import { AuthError, FrameError, ProtocolError } from './errors.js';
import type { DecodeOptions, FrameHeader } from './header-types.js';
import type { KeyRing } from './key-ring.js';
import { MAX_SUITE, type SealedSuite, Suite } from './suite.js';

const TWO_32 = 0x1_0000_0000;
// decodeHeader is synchronous: one nonce buffer serves every call.
const nonce = Buffer.alloc(NONCE_BYTES);

function countError(kind: Kind, count: number): string | undefined {
  switch (kind) {
    case Kind.LOG:
      return count === 0 ? 'a LOG frame needs at least one record' : undefined;
    case Kind.ACK:
      return count === 0 || count > MAX_ACK_RANGES
        ? `an ACK carries 1..${MAX_ACK_RANGES} ranges, not ${count}`
        : undefined;
    default:
      return count === 0 ? undefined : `count must be 0 for this kind, not ${count}`;
  }
}

/**
 * Verifies the tag of a sealed frame with the receiver's key for its key_id and, once it
 * verified, decrypts the body in place. A session key is derived (HKDF) on a cache miss
 * and cached only after its frame verified.
 */
function open(buf: Buffer, kind: Kind, suite: SealedSuite, ring: KeyRing): void {
  const keyId = readU32(buf, KEY_ID_OFFSET);
  const key = ring.get(keyId);
  if (key === undefined) {
    throw new AuthError(
      'ERR_PROTOCOL_UNKNOWN_KEY',
      `key id 0x${keyId.toString(16).padStart(8, '0')} is none of this receiver's keys`,
      { field: 'key_id', offset: KEY_ID_OFFSET },
    );
  }
  // key_id and salt, then the suite: one session key each.
  const cacheKey = buf.toString('latin1', KEY_ID_OFFSET, PN_OFFSET) + String.fromCharCode(suite);
  const cached = ring.cached(cacheKey);
  const sessionKey = cached ?? ring.derive(key, buf.subarray(SALT_OFFSET, PN_OFFSET), suite);
  const direction = kind === Kind.LOG || kind === Kind.PING ? Direction.CLIENT : Direction.SERVER;
  if (!openInPlace(buf, suite, sessionKey, frameNonce(nonce, direction, buf))) {
    throw new AuthError('ERR_PROTOCOL_BAD_AUTH', 'the tag does not verify', {
      field: 'tag',
      offset: buf.length - TAG_BYTES,
    });
  }
  if (cached === undefined) ring.remember(cacheKey, sessionKey);
}

/**
 * The rest of a version 2 header, after size, magic, version and kind, in this order:
 * flags, suite, count, seq, the room a sealed frame needs, the key (a plain frame at a
 * receiver with keys, a sealed one at a receiver without), key_id, tag (then the body is
 * decrypted), the body's size for PING, PONG (and its zero bytes) and ACK, and peer.
 */
export function decodeV2(buf: Buffer, kind: Kind, options: DecodeOptions | undefined): FrameHeader {
  const length = buf.length;
  const flags = buf[4]!;
  if ((flags & ~KNOWN_FLAGS_V2) !== 0 || (kind !== Kind.LOG && flags !== 0)) {
    throw new FrameError(
      'ERR_PROTOCOL_BAD_FLAGS',
      `flags 0x${flags.toString(16).padStart(2, '0')} break the rules: only bit 0, on LOG frames, may be set`,
      { field: 'flags', offset: 4 },
    );
  }
  const suite = buf[5]!;
  if (suite > MAX_SUITE) {
    throw new FrameError('ERR_PROTOCOL_BAD_SUITE', `suite ${suite} is not 0..${MAX_SUITE}`, {
      field: 'suite',
      offset: 5,
    });
  }
  if (suite === Suite.CHACHA20_POLY1305_AUTH_ONLY && options?.allowAuthOnly !== true) {
    throw new FrameError(
      'ERR_PROTOCOL_BAD_SUITE',
      'suite 3 (integrity only, records in clear) is not accepted here (allowAuthOnly)',
      { field: 'suite', offset: 5 },
    );
  }
  const count = (buf[6]! << 8) | buf[7]!;
  const badCount = countError(kind, count);
  if (badCount !== undefined) {
    throw new FrameError('ERR_PROTOCOL_BAD_COUNT', badCount, { field: 'count', offset: 6 });
  }
  const seq = readU32(buf, 12);
  if (kind === Kind.ACK && seq !== 0) {
    throw new FrameError('ERR_PROTOCOL_BAD_SEQ', `an ACK's seq must be 0, not ${seq}`, {
      field: 'seq',
      offset: 12,
    });
  }
  const ring = options?.keys;
  let bodyStart = HEADER_BYTES;
  let bodyEnd = length;
  let authenticated = false;
  if (suite === Suite.PLAIN) {
    if (ring !== undefined || (options?.v1Key ?? options?.key) !== undefined) {
      throw new AuthError('ERR_PROTOCOL_AUTH_REQUIRED', 'a plain frame, but this receiver has a key', {
        field: 'suite',
        offset: 5,
      });
    }
  } else {
    if (length < MIN_SEALED_FRAME_BYTES) {
      throw new FrameError(
        'ERR_PROTOCOL_TRUNCATED',
        `a sealed frame is at least ${MIN_SEALED_FRAME_BYTES} bytes, not ${length}`,
        { field: 'seal block', offset: length },
      );
    }
    bodyStart = SEALED_BODY_OFFSET;
    bodyEnd = length - TAG_BYTES;
    if (ring !== undefined) {
      open(buf, kind, suite as SealedSuite, ring);
      authenticated = true;
    } else if (options?.allowUnverified !== true) {
      throw new AuthError('ERR_PROTOCOL_AUTH_UNEXPECTED', 'a sealed frame, but this receiver has no key', {
        field: 'suite',
        offset: 5,
      });
    }
  }
  const bodyBytes = bodyEnd - bodyStart;
  if (kind === Kind.PING && bodyBytes !== 0) {
    throw new FrameError('ERR_PROTOCOL_TRAILING_BYTES', `${bodyBytes} bytes of body on a PING`, {
      field: 'body',
      offset: bodyStart,
    });
  }
  if (kind === Kind.PONG && bodyBytes !== PONG_BODY_BYTES) {
    throw new FrameError(
      'ERR_PROTOCOL_TRUNCATED',
      `a PONG body is ${PONG_BODY_BYTES} bytes, not ${bodyBytes}`,
      { field: 'body', offset: bodyStart },
    );
  }
  const readable = suite === Suite.PLAIN || authenticated || suite === Suite.CHACHA20_POLY1305_AUTH_ONLY;
  if (kind === Kind.PONG && readable && (buf[bodyStart + 2] !== 0 || buf[bodyStart + 3] !== 0)) {
    throw new FrameError('ERR_PROTOCOL_BAD_ZERO', 'bytes 2-3 of a PONG body must be 0', {
      field: 'zero',
      offset: bodyStart + 2,
    });
  }
  if (kind === Kind.ACK && bodyBytes !== count * ACK_RANGE_BYTES) {
    throw new FrameError(
      'ERR_PROTOCOL_TRUNCATED',
      `an ACK of ${count} ranges has ${count * ACK_RANGE_BYTES} bytes of body, not ${bodyBytes}`,
      { field: 'body', offset: bodyStart },
    );
  }
  const sealed = suite !== Suite.PLAIN;
  const boot = options?.boot;
  if (authenticated && boot !== undefined && kind !== Kind.PING && !samePeer(buf, boot)) {
    throw new AuthError('ERR_PROTOCOL_BAD_PEER', "the frame is bound to another peer than this one's boot", {
      field: 'peer',
      offset: PEER_OFFSET,
    });
  }
  return {
    version: 2,
    kind,
    flags,
    count,
    sender: readU32(buf, 8),
    seq,
    ackWanted: (flags & Flag.ACK_WANTED) !== 0,
    authenticated,
    suite: suite as Suite,
    keyId: sealed ? readU32(buf, KEY_ID_OFFSET) : undefined,
    salt: sealed ? buf.subarray(SALT_OFFSET, PN_OFFSET) : undefined,
    pn: sealed ? readU32(buf, PN_OFFSET) * TWO_32 + readU32(buf, PN_OFFSET + 4) : undefined,
    peer: sealed ? buf.subarray(PEER_OFFSET, SEALED_BODY_OFFSET) : undefined,
    tag: sealed ? buf.subarray(bodyEnd) : undefined,
    bodyStart,
    bodyEnd,
  };
}

function samePeer(buf: Buffer, boot: Uint8Array): boolean {
  if (!(boot instanceof Uint8Array) || boot.byteLength !== BOOT_BYTES) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', `boot must be ${BOOT_BYTES} bytes`);
  }
  for (let i = 0; i < BOOT_BYTES; i++) if (buf[PEER_OFFSET + i] !== boot[i]) return false;
  return true;
}
