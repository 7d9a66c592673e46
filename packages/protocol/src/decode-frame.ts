import { asBuffer } from './bytes.js';
import { Kind } from './constants.js';
import { type DecodeOptions, decodeHeader, type FrameHeader } from './header.js';
import { RecordCursor } from './record-cursor.js';
import type { LogRecord } from './record-types.js';

export interface DecodeFrameOptions extends DecodeOptions {
  /** Copy each record's `msg` and `reserved` out of the datagram (default: views into it). */
  copy?: boolean | undefined;
}

/** A whole decoded frame: the header, and for LOG every record. */
export interface Frame extends FrameHeader {
  /** The records of a LOG frame, in order; empty for other kinds. */
  records: LogRecord[];
}

/** With no cursor given, a LOG frame gets one of its own. */
function decode(cursor: RecordCursor | undefined, data: Uint8Array, options?: DecodeFrameOptions): Frame {
  const buf = asBuffer(data);
  const frame = decodeHeader(buf, options) as Frame;
  const records: LogRecord[] = [];
  if (frame.kind === Kind.LOG) {
    const copy = options?.copy === true;
    const c = (cursor ?? new RecordCursor()).reset(buf, frame);
    while (c.next()) records.push(c.toRecord(copy));
  }
  frame.records = records;
  return frame;
}

/**
 * Decodes one datagram and checks it against every rule of wire format v1: all or
 * nothing, a frame with one bad record yields no records. Keeps nothing between calls
 * (a LOG frame gets a cursor of its own); {@link FrameDecoder} reuses one.
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
