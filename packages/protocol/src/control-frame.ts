import type { KeyObject } from 'node:crypto';
import { type AuthKey, createAuthKey, writeTrailer } from './auth.js';
import { type ControlKind, Flag, HEADER_BYTES, Kind, TRAILER_BYTES, VERSION_1 } from './constants.js';
import { ProtocolError } from './errors.js';
import { writeHeader } from './header.js';

// Version 1 PING, PONG and ACK: a bare header (layout in header.ts), plus the trailer with
// AUTH. They answer version 1 peers; version 2 control frames are in control-frame-v2.ts.

function checkArgs(kind: number, sender: number, seq: number): void {
  if (kind !== Kind.PING && kind !== Kind.PONG && kind !== Kind.ACK) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', `kind ${kind} is not PING, PONG or ACK`);
  }
  if (!Number.isInteger(sender) || sender < 0 || sender > 0xffff_ffff) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', `sender must be a u32, not ${String(sender)}`);
  }
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', `seq must be a u32, not ${String(seq)}`);
  }
}

/**
 * Builds version 1 PING, PONG or ACK frames of one kind into one buffer made once: each call
 * rewrites only what changes. The returned buffer is the same object every time and
 * is overwritten by the next call, so hand it to a send whose callback has fired first,
 * or use {@link encodeControlFrame}.
 */
export class ControlFrameEncoder {
  readonly kind: ControlKind;
  private readonly key: KeyObject | undefined;
  private readonly buf: Buffer;

  constructor(kind: ControlKind, key?: AuthKey) {
    checkArgs(kind, 0, 0);
    this.kind = kind;
    this.key = key === undefined ? undefined : createAuthKey(key);
    this.buf = Buffer.alloc(HEADER_BYTES + (this.key === undefined ? 0 : TRAILER_BYTES));
    writeHeader(this.buf, kind, this.key === undefined ? 0 : Flag.AUTH, 0, 0, 0, VERSION_1);
  }

  /** The frame for `sender` and `seq` (PING: ping id; PONG: ping id + 1; ACK: the LOG seq). */
  encode(sender: number, seq: number): Buffer {
    checkArgs(this.kind, sender, seq);
    const buf = this.buf;
    buf.writeUInt32BE(sender, 8);
    buf.writeUInt32BE(seq, 12);
    if (this.key !== undefined) writeTrailer(buf, HEADER_BYTES, this.key);
    return buf;
  }
}

/** A version 1 PING, PONG or ACK frame in a new buffer of its own. */
export function encodeControlFrame(kind: ControlKind, sender: number, seq: number, key?: AuthKey): Buffer {
  return Buffer.from(new ControlFrameEncoder(kind, key).encode(sender, seq));
}
