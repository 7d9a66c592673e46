import { readU32 } from './bytes.js';
import {
  ACK_RANGE_BYTES,
  BOOT_BYTES,
  HEADER_BYTES,
  Kind,
  MAX_ACK_RANGES,
  PONG_BODY_BYTES,
  SEALED_BODY_OFFSET,
  TAG_BYTES,
} from './constants.js';
import { FrameError, ProtocolError } from './errors.js';
import { writeHeader } from './header.js';
import type { FrameHeader } from './header-types.js';
import type { SealSession } from './seal-session.js';

/*
 * Version 2 control frames. PING: no body. PONG: an 8-byte body
 * (status u8 | caps u8 | zero u16 | window u32). ACK: `count` ranges of
 * (first u32 | last u32), seq 0. Sealed, the body sits between the seal block and the tag.
 */

/** What a version 2 PONG says. */
export interface PongBody {
  /** `PongStatus.READY`, `PongStatus.CANNOT_WRITE`; any other value is not ready. */
  status: number;
  /** Capability bits; none defined in version 2 (ignore unknown bits). */
  caps: number;
  /** The replay window the server keeps per session, in frames. */
  window: number;
}

const NO_PEER = new Uint8Array(BOOT_BYTES);

function badArgument(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', message);
}

function checkUint(value: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw badArgument(`${name} must be an integer 0..${max}, not ${String(value)}`);
  }
}

/** A frame with its header written and room for `bodyBytes`, sealed or not; returns it and where its body starts. */
function frame(kind: Kind, count: number, sender: number, seq: number, bodyBytes: number, sealed: boolean) {
  checkUint(sender, 0xffff_ffff, 'sender');
  checkUint(seq, 0xffff_ffff, 'seq');
  const start = sealed ? SEALED_BODY_OFFSET : HEADER_BYTES;
  const buf = Buffer.alloc(start + bodyBytes + (sealed ? TAG_BYTES : 0));
  writeHeader(buf, kind, 0, count, sender, seq);
  return { buf, start };
}

function seal(
  buf: Buffer,
  session: SealSession | undefined,
  peer: Uint8Array | undefined,
  what: string,
): Buffer {
  if (session === undefined) return buf;
  if (peer === undefined || peer.byteLength !== BOOT_BYTES) {
    throw badArgument(`a sealed ${what} needs the ${BOOT_BYTES}-byte boot of the client it answers`);
  }
  session.seal(buf, peer);
  return buf;
}

/** A version 2 PING (plain, or sealed with the client's session; its peer is 8 zero bytes). */
export function encodePing(sender: number, pingId: number, session?: SealSession): Buffer {
  const { buf } = frame(Kind.PING, 0, sender, pingId, 0, session !== undefined);
  if (session !== undefined) session.seal(buf, NO_PEER);
  return buf;
}

/**
 * A version 2 PONG for the PING `seq - 1` of `sender`; sealed, bound to `peer` (the
 * first 8 bytes of the salt of the client's PING).
 */
export function encodePong(
  sender: number,
  seq: number,
  body: { status: number; window: number; caps?: number | undefined },
  session?: SealSession,
  peer?: Uint8Array,
): Buffer {
  checkUint(body.status, 0xff, 'status');
  checkUint(body.caps ?? 0, 0xff, 'caps');
  checkUint(body.window, 0xffff_ffff, 'window');
  const { buf, start } = frame(Kind.PONG, 0, sender, seq, PONG_BODY_BYTES, session !== undefined);
  buf[start] = body.status;
  buf[start + 1] = body.caps ?? 0;
  buf.writeUInt32BE(body.window, start + 4);
  return seal(buf, session, peer, 'PONG');
}

/**
 * A version 2 ACK of `rangeCount` ranges, read from `ranges` as first, last, first,
 * last... (each inclusive, modulo 2^32); sealed, bound to `peer`.
 */
export function encodeAck(
  sender: number,
  ranges: ArrayLike<number>,
  rangeCount: number,
  session?: SealSession,
  peer?: Uint8Array,
): Buffer {
  if (!Number.isInteger(rangeCount) || rangeCount < 1 || rangeCount > MAX_ACK_RANGES) {
    throw badArgument(`an ACK carries 1..${MAX_ACK_RANGES} ranges, not ${String(rangeCount)}`);
  }
  if (ranges.length < 2 * rangeCount) throw badArgument(`ranges holds fewer than ${rangeCount} ranges`);
  const { buf, start } = frame(
    Kind.ACK,
    rangeCount,
    sender,
    0,
    rangeCount * ACK_RANGE_BYTES,
    session !== undefined,
  );
  for (let i = 0; i < 2 * rangeCount; i++) {
    const seq = ranges[i]!;
    checkUint(seq, 0xffff_ffff, 'a range bound');
    buf.writeUInt32BE(seq, start + 4 * i);
  }
  return seal(buf, session, peer, 'ACK');
}

function checkBodyOf(header: FrameHeader, kind: Kind, name: string): void {
  if (header.version !== 2 || header.kind !== kind) {
    throw badArgument(`not a version 2 ${name} header`);
  }
  if (header.suite !== 0 && !header.authenticated && header.suite !== 3) {
    throw badArgument(`the ${name}'s body is still sealed: decode it with the key`);
  }
}

/** The body of a version 2 PONG whose header {@link decodeHeader} accepted. */
export function decodePong(datagram: Uint8Array, header: FrameHeader): PongBody {
  checkBodyOf(header, Kind.PONG, 'PONG');
  const at = header.bodyStart;
  return { status: datagram[at]!, caps: datagram[at + 1]!, window: readU32(datagram, at + 4) };
}

/**
 * Calls `fn(first, last)` for each range of a version 2 ACK whose header
 * {@link decodeHeader} accepted. With `window`, a range `(last - first) mod 2^32` of
 * `window` or more is refused (`ERR_PROTOCOL_BAD_RANGE`) before `fn` sees any range.
 */
export function forEachAckRange(
  datagram: Uint8Array,
  header: FrameHeader,
  fn: (first: number, last: number) => void,
  window?: number,
): void {
  checkBodyOf(header, Kind.ACK, 'ACK');
  const start = header.bodyStart;
  const end = start + header.count * ACK_RANGE_BYTES;
  if (window !== undefined) {
    for (let at = start; at < end; at += ACK_RANGE_BYTES) {
      const width = (readU32(datagram, at + 4) - readU32(datagram, at)) >>> 0;
      if (width >= window) {
        throw new FrameError(
          'ERR_PROTOCOL_BAD_RANGE',
          `an ACK range spans ${width + 1} seqs; the window is ${window}`,
          { field: 'range', offset: at },
        );
      }
    }
  }
  for (let at = start; at < end; at += ACK_RANGE_BYTES) fn(readU32(datagram, at), readU32(datagram, at + 4));
}
