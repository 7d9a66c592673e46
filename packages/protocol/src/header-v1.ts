import { createAuthKey, trailerMatches } from './auth.js';
import { readU32 } from './bytes.js';
import { Flag, HEADER_BYTES, Kind, KNOWN_FLAGS, TRAILER_BYTES } from './constants.js';
import { AuthError, FrameError } from './errors.js';
import type { DecodeOptions, FrameHeader } from './header-types.js';
import { Suite } from './suite.js';

/**
 * The rest of a version 1 header, after size, magic, version and kind: flags, zero,
 * count, the AUTH trailer (verified before the body is looked at), no body on PING,
 * PONG and ACK. A receiver with version 2 keys takes version 1 only with `acceptV1`.
 */
export function decodeV1(buf: Buffer, kind: Kind, options: DecodeOptions | undefined): FrameHeader {
  const length = buf.length;
  const flags = buf[4]!;
  if ((flags & ~KNOWN_FLAGS) !== 0 || (kind !== Kind.LOG && (flags & Flag.ACK_WANTED) !== 0)) {
    throw new FrameError(
      'ERR_PROTOCOL_BAD_FLAGS',
      `flags 0x${flags.toString(16).padStart(2, '0')} break the rules: only bit 0 (LOG only) and bit 1 may be set`,
      { field: 'flags', offset: 4 },
    );
  }
  if (buf[5] !== 0) {
    throw new FrameError('ERR_PROTOCOL_BAD_ZERO', 'byte 5 must be 0', { field: 'zero', offset: 5 });
  }
  const count = (buf[6]! << 8) | buf[7]!;
  if (kind === Kind.LOG ? count === 0 : count !== 0) {
    throw new FrameError(
      'ERR_PROTOCOL_BAD_COUNT',
      kind === Kind.LOG
        ? 'a LOG frame needs at least one record'
        : `count must be 0 for this kind, not ${count}`,
      { field: 'count', offset: 6 },
    );
  }
  const auth = (flags & Flag.AUTH) !== 0;
  let bodyEnd = length;
  let authenticated = false;
  if (auth) {
    if (length < HEADER_BYTES + TRAILER_BYTES) {
      throw new FrameError('ERR_PROTOCOL_TRUNCATED', 'AUTH flag set but no room for the 16-byte trailer', {
        field: 'trailer',
        offset: length,
      });
    }
    bodyEnd = length - TRAILER_BYTES;
  }
  const ring = options?.keys;
  if (ring !== undefined && options?.acceptV1 !== true) {
    throw new AuthError(
      'ERR_PROTOCOL_AUTH_REQUIRED',
      'a version 1 frame carries records in clear: this receiver has a key and takes sealed version 2 frames (acceptV1 takes version 1 with its AUTH trailer)',
      { field: 'version', offset: 2 },
    );
  }
  const v1Key = options?.v1Key ?? options?.key;
  const keys = v1Key !== undefined ? [createAuthKey(v1Key)] : ring?.v1AuthKeys();
  if (keys !== undefined) {
    if (!auth) {
      throw new AuthError('ERR_PROTOCOL_AUTH_REQUIRED', 'this receiver needs an AUTH trailer', {
        field: 'flags',
        offset: 4,
      });
    }
    // Verified before the body is parsed: unauthenticated bytes are never interpreted.
    if (!keys.some((key) => trailerMatches(buf, bodyEnd, key))) {
      throw new AuthError('ERR_PROTOCOL_BAD_AUTH', 'AUTH trailer does not match', {
        field: 'trailer',
        offset: bodyEnd,
      });
    }
    authenticated = true;
  } else if (auth && options?.allowUnverified !== true) {
    throw new AuthError('ERR_PROTOCOL_AUTH_UNEXPECTED', 'AUTH frame but this receiver has no key', {
      field: 'flags',
      offset: 4,
    });
  }
  if (kind !== Kind.LOG && bodyEnd !== HEADER_BYTES) {
    throw new FrameError(
      'ERR_PROTOCOL_TRAILING_BYTES',
      `${bodyEnd - HEADER_BYTES} bytes after a bodiless frame`,
      {
        field: 'body',
        offset: HEADER_BYTES,
      },
    );
  }
  return {
    version: 1,
    kind,
    flags,
    count,
    sender: readU32(buf, 8),
    seq: readU32(buf, 12),
    ackWanted: (flags & Flag.ACK_WANTED) !== 0,
    authenticated,
    suite: Suite.PLAIN,
    keyId: undefined,
    salt: undefined,
    pn: undefined,
    peer: undefined,
    tag: undefined,
    bodyStart: HEADER_BYTES,
    bodyEnd,
  };
}
