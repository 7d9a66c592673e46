import { asBuffer } from './bytes.js';
import { Kind } from './constants.js';
import { decodePong, forEachAckRange, type PongBody } from './control-frame-v2.js';
import { type DecodeOptions, decodeHeader, type FrameHeader } from './header.js';
import { RecordCursor } from './record-cursor.js';
import type { LogRecord } from './record-types.js';

export interface DecodeFrameOptions extends DecodeOptions {
  /** Copy each record's `msg` and `reserved` out of the datagram (default: views into it). */
  copy?: boolean | undefined;
  /** The window the receiver's server announced: a wider ACK range is refused (`ERR_PROTOCOL_BAD_RANGE`). */
  ackWindow?: number | undefined;
}

/** A whole decoded frame: the header, for LOG every record, for a version 2 PONG its body, for a version 2 ACK its ranges. */
export interface Frame extends FrameHeader {
  /** The records of a LOG frame, in order; empty for other kinds. */
  records: LogRecord[];
  /** A version 2 PONG's body; undefined otherwise. */
  pong: PongBody | undefined;
  /** A version 2 ACK's ranges as first, last, first, last...; empty otherwise. */
  ranges: number[];
}

/** With no cursor given, a LOG frame gets one of its own. */
function decode(cursor: RecordCursor | undefined, data: Uint8Array, options?: DecodeFrameOptions): Frame {
  const buf = asBuffer(data);
  const frame = decodeHeader(buf, options) as Frame;
  const records: LogRecord[] = [];
  const ranges: number[] = [];
  let pong: PongBody | undefined;
  const readable = frame.suite === 0 || frame.authenticated || frame.suite === 3;
  if (frame.kind === Kind.LOG) {
    if (readable) {
      const copy = options?.copy === true;
      const c = (cursor ?? new RecordCursor()).reset(buf, frame);
      while (c.next()) records.push(c.toRecord(copy));
    }
  } else if (frame.version === 2 && readable) {
    if (frame.kind === Kind.PONG) pong = decodePong(buf, frame);
    else if (frame.kind === Kind.ACK)
      forEachAckRange(buf, frame, (a, b) => ranges.push(a, b), options?.ackWindow);
  }
  frame.records = records;
  frame.pong = pong;
  frame.ranges = ranges;
  return frame;
}

/**
 * Decodes one datagram of version 1 or 2 and checks it against every rule of the wire
 * format: all or nothing, a frame with one bad record yields no records. A sealed frame
 * is verified and decrypted in place (see {@link decodeHeader}); one accepted unverified
 * (`allowUnverified`) whose body is still encrypted yields no records. Keeps nothing
 * between calls (a LOG frame gets a cursor of its own); {@link FrameDecoder} reuses one.
 * @throws {ProtocolError} (only; `FrameError`, `FieldError` or `AuthError`) naming the rule, field and offset.
 */
export function decodeFrame(data: Uint8Array, options?: DecodeFrameOptions): Frame {
  return decode(undefined, data, options);
}

/**
 * {@link decodeFrame} for a caller that decodes many LOG frames: one cursor, its own,
 * serves every call, and a record's text fields equal to the last frame's are not made
 * again. Calls must not overlap (they cannot: decoding is synchronous).
 */
export class FrameDecoder {
  private readonly cursor = new RecordCursor();

  /** @throws {ProtocolError} as {@link decodeFrame}. */
  decode(data: Uint8Array, options?: DecodeFrameOptions): Frame {
    return decode(this.cursor, data, options);
  }
}
