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
import type { DecodeOptions, FrameHeader } from './header-types.js';
import { decodeV1 } from './header-v1.js';
import { decodeV2 } from './header-v2.js';

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

export type { DecodeOptions, FrameHeader } from './header-types.js';

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
