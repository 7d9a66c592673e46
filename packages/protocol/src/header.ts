import { type AuthKey, createAuthKey, trailerMatches } from './auth.js';
import { asBuffer } from './bytes.js';
import {
  Flag,
  HEADER_BYTES,
  Kind,
  KNOWN_FLAGS,
  MAGIC,
  MAX_DATAGRAM_BYTES,
  TRAILER_BYTES,
  VERSION,
} from './constants.js';
import { AuthError, FrameError } from './errors.js';

/*
 * Frame header: 16 bytes, integers big-endian.
 *
 * | offset | size | field   | value                                                     |
 * |-------:|-----:|---------|-----------------------------------------------------------|
 * | 0      | 2    | magic   | 0x43 0x4C ("CL")                                          |
 * | 2      | 1    | version | 1                                                         |
 * | 3      | 1    | kind    | 1 LOG, 2 PING, 3 PONG, 4 ACK                              |
 * | 4      | 1    | flags   | bit 0 ACK_WANTED (LOG only), bit 1 AUTH; others 0         |
 * | 5      | 1    | zero    | 0                                                         |
 * | 6      | 2    | count   | LOG: records, 1..65535; other kinds: 0                    |
 * | 8      | 4    | sender  | random id, fixed per client instance                      |
 * | 12     | 4    | seq     | LOG: batch seq; PING: id; PONG: id + 1; ACK: acked seq    |
 *
 * With AUTH the datagram ends with 16 bytes: HMAC-SHA256(key, all bytes before them)[0..16).
 * PING, PONG and ACK have no body.
 */

/** Writes a header at offset 0. Arguments are trusted: callers check them. */
export function writeHeader(
  buf: Uint8Array,
  kind: Kind,
  flags: number,
  count: number,
  sender: number,
  seq: number,
) {
  buf[0] = MAGIC >>> 8;
  buf[1] = MAGIC & 0xff;
  buf[2] = VERSION;
  buf[3] = kind;
  buf[4] = flags;
  buf[5] = 0;
  buf[6] = count >>> 8;
  buf[7] = count;
  buf[8] = sender >>> 24;
  buf[9] = sender >>> 16;
  buf[10] = sender >>> 8;
  buf[11] = sender;
  buf[12] = seq >>> 24;
  buf[13] = seq >>> 16;
  buf[14] = seq >>> 8;
  buf[15] = seq;
}

/** Reads a big-endian u32. */
export function readU32(buf: Uint8Array, at: number): number {
  return buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

/** How a receiver treats the AUTH trailer. */
export interface DecodeOptions {
  /**
   * The shared key. With a key, a frame must carry a valid trailer (else
   * `ERR_PROTOCOL_AUTH_REQUIRED` / `ERR_PROTOCOL_BAD_AUTH`). Without one, a frame with
   * the AUTH flag is refused (`ERR_PROTOCOL_AUTH_UNEXPECTED`) unless `allowUnverified`.
   */
  key?: AuthKey | undefined;
  /** Without a key: accept AUTH frames, strip the trailer, do not check it (tools, dumps). */
  allowUnverified?: boolean | undefined;
}

/** A decoded, checked frame header. */
export interface FrameHeader {
  kind: Kind;
  flags: number;
  count: number;
  sender: number;
  seq: number;
  /** The LOG frame asks for an ACK. */
  ackWanted: boolean;
  /** The frame carried an AUTH trailer and it was verified against the key. */
  authenticated: boolean;
  /** Where the body ends: the trailer's offset with AUTH, else the datagram length. */
  bodyEnd: number;
}

/**
 * Checks and reads the header of one datagram, verifies the AUTH trailer, and for
 * PING/PONG/ACK checks that there is no body. The records of a LOG frame are not read.
 * @throws {ProtocolError} (only) naming the broken rule.
 */
export function decodeHeader(data: Uint8Array, options?: DecodeOptions): FrameHeader {
  const buf = asBuffer(data);
  const length = buf.length;
  if (length > MAX_DATAGRAM_BYTES) {
    throw new FrameError(
      'ERR_PROTOCOL_DATAGRAM_TOO_LARGE',
      `datagram is ${length} bytes; at most ${MAX_DATAGRAM_BYTES} allowed`,
      { field: 'datagram', offset: 0 },
    );
  }
  if (length < HEADER_BYTES) {
    throw new FrameError(
      'ERR_PROTOCOL_TRUNCATED',
      `datagram is ${length} bytes; a header needs ${HEADER_BYTES}`,
      {
        field: 'header',
        offset: length,
      },
    );
  }
  if (buf[0] !== MAGIC >>> 8 || buf[1] !== (MAGIC & 0xff)) {
    throw new FrameError('ERR_PROTOCOL_BAD_MAGIC', 'not a clogs frame: magic is not "CL"', {
      field: 'magic',
      offset: 0,
    });
  }
  if (buf[2] !== VERSION) {
    throw new FrameError('ERR_PROTOCOL_BAD_VERSION', `version ${buf[2]} is not supported (only ${VERSION})`, {
      field: 'version',
      offset: 2,
    });
  }
  const kind = buf[3]!;
  if (kind < Kind.LOG || kind > Kind.ACK) {
    throw new FrameError('ERR_PROTOCOL_BAD_KIND', `unknown frame kind ${kind}`, { field: 'kind', offset: 3 });
  }
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
  const key = options?.key;
  if (key !== undefined) {
    if (!auth) {
      throw new AuthError('ERR_PROTOCOL_AUTH_REQUIRED', 'this receiver needs an AUTH trailer', {
        field: 'flags',
        offset: 4,
      });
    }
    // Verified before the body is parsed: unauthenticated bytes are never interpreted.
    if (!trailerMatches(buf, bodyEnd, createAuthKey(key))) {
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
    kind: kind as Kind,
    flags,
    count,
    sender: readU32(buf, 8),
    seq: readU32(buf, 12),
    ackWanted: (flags & Flag.ACK_WANTED) !== 0,
    authenticated,
    bodyEnd,
  };
}
