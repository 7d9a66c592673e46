import type { AuthKey } from './auth.js';
import { asBuffer } from './bytes.js';
import {
  ACCEPTED_VERSIONS,
  HEADER_BYTES,
  Kind,
  MAGIC,
  MAX_DATAGRAM_BYTES,
  VERSION,
  VERSION_1,
} from './constants.js';
import { FrameError } from './errors.js';
import { decodeV1 } from './header-v1.js';
import { decodeV2 } from './header-v2.js';
import type { KeyRing } from './key-ring.js';
import type { Suite } from './suite.js';

/*
 * Frame header: 16 bytes, integers big-endian.
 *
 * | offset | size | field   | value                                                     |
 * |-------:|-----:|---------|-----------------------------------------------------------|
 * | 0      | 2    | magic   | 0x43 0x4C ("CL")                                          |
 * | 2      | 1    | version | 1 or 2                                                    |
 * | 3      | 1    | kind    | 1 LOG, 2 PING, 3 PONG, 4 ACK                              |
 * | 4      | 1    | flags   | bit 0 ACK_WANTED (LOG only); v1: bit 1 AUTH; others 0     |
 * | 5      | 1    | suite   | v2: 0 plain, 1..3 sealed; v1: 0                           |
 * | 6      | 2    | count   | LOG: records; v2 ACK: ranges; PING, PONG (v1 ACK): 0      |
 * | 8      | 4    | sender  | random id, fixed per client instance                      |
 * | 12     | 4    | seq     | LOG: frame seq; PING: id; PONG: id + 1; ACK: v1 seq, v2 0 |
 *
 * Version 1 with AUTH ends with HMAC-SHA256(key, all bytes before)[0..16). A version 2
 * sealed frame has a 36-byte seal block after the header and a 16-byte tag at the end.
 */

/** Writes a header at offset 0 (byte 5 is 0: `SealSession.seal()` writes the suite). Arguments are trusted. */
export function writeHeader(
  buf: Uint8Array,
  kind: Kind,
  flags: number,
  count: number,
  sender: number,
  seq: number,
  version: number = VERSION,
) {
  buf[0] = MAGIC >>> 8;
  buf[1] = MAGIC & 0xff;
  buf[2] = version;
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

export { readU32 } from './bytes.js';

/** What a receiver holds and accepts. */
export interface DecodeOptions {
  /**
   * The keys sealed frames are opened with (by key id). With keys, plain frames are
   * refused (`ERR_PROTOCOL_AUTH_REQUIRED`), and version 1 frames too unless `acceptV1`.
   * Without, sealed frames are refused (`ERR_PROTOCOL_AUTH_UNEXPECTED`) unless `allowUnverified`.
   */
  keys?: KeyRing | undefined;
  /**
   * The version 1 HMAC key: version 1 frames must carry its valid AUTH trailer. With
   * `keys` and `acceptV1` and no `v1Key`, the trailer may be made with any of the keys.
   */
  v1Key?: AuthKey | undefined;
  /** @deprecated the name `v1Key` had before version 2; the same option. */
  key?: AuthKey | undefined;
  /** With `keys`: accept version 1 frames (integrity only, with their HMAC trailer) for a migration. */
  acceptV1?: boolean | undefined;
  /** Accept suite 3 (integrity only, body in clear); refused with `ERR_PROTOCOL_BAD_SUITE` otherwise. */
  allowAuthOnly?: boolean | undefined;
  /**
   * This receiver's boot (the first 8 bytes of its session's salt): a sealed LOG, PONG
   * or ACK must carry it as `peer`, or is refused with `ERR_PROTOCOL_BAD_PEER`.
   */
  boot?: Uint8Array | undefined;
  /**
   * Without keys: accept version 1 AUTH frames and sealed frames without checking them
   * (tools, dumps, a client reading back its own unsent frames). A sealed body stays as
   * it came (ciphertext for suites 1 and 2).
   */
  allowUnverified?: boolean | undefined;
}

/** A decoded, checked frame header. */
export interface FrameHeader {
  version: 1 | 2;
  kind: Kind;
  flags: number;
  count: number;
  sender: number;
  seq: number;
  /** The LOG frame asks for an ACK. */
  ackWanted: boolean;
  /** The version 1 trailer or the version 2 tag verified against a key. */
  authenticated: boolean;
  /** 0 plain (and every version 1 frame); 1..3 sealed. */
  suite: Suite;
  /** Sealed only: the key id. */
  keyId: number | undefined;
  /** Sealed only: the sealer's salt, a view of 16 bytes into the datagram. */
  salt: Buffer | undefined;
  /** Sealed only: the packet number (exact below 2^53). */
  pn: number | undefined;
  /** Sealed only: the boot the frame is bound to, a view of 8 bytes. */
  peer: Buffer | undefined;
  /** Sealed only: the tag, a view of 16 bytes. */
  tag: Buffer | undefined;
  /** Where the body starts: 16, or 52 sealed. */
  bodyStart: number;
  /** Where the body ends: before the trailer or tag, else the datagram length. */
  bodyEnd: number;
}

/**
 * Checks and reads the header of one datagram of version 1 or 2. A version 1 AUTH
 * trailer, or a version 2 tag, is verified before anything past the header is read; a
 * sealed body is then decrypted IN PLACE in `data` (a datagram is decoded once). For
 * PING/PONG/ACK the body's size is checked; the records of a LOG frame are not read.
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
  const version = buf[2]!;
  if (version !== VERSION && version !== VERSION_1) {
    throw new FrameError(
      'ERR_PROTOCOL_BAD_VERSION',
      `version ${version} is not supported (accepted: ${ACCEPTED_VERSIONS.join(', ')})`,
      { field: 'version', offset: 2 },
    );
  }
  const kind = buf[3]!;
  if (kind < Kind.LOG || kind > Kind.ACK) {
    throw new FrameError('ERR_PROTOCOL_BAD_KIND', `unknown frame kind ${kind}`, { field: 'kind', offset: 3 });
  }
  return version === VERSION ? decodeV2(buf, kind as Kind, options) : decodeV1(buf, kind as Kind, options);
}
