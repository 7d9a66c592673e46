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

/**
 * Decodes one datagram and checks it against every rule of wire format v1: all or
 * nothing, a frame with one bad record yields no records.
 * @throws {ProtocolError} (only; `FrameError`, `FieldError` or `AuthError`) naming the rule, field and offset.
 */
export function decodeFrame(data: Uint8Array, options?: DecodeFrameOptions): Frame {
  const buf = asBuffer(data);
  const frame = decodeHeader(buf, options) as Frame;
  const records: LogRecord[] = [];
  if (frame.kind === Kind.LOG) {
    const copy = options?.copy === true;
    // A cursor per frame, not one shared: decodeFrame keeps no state between calls.
    const cursor = new RecordCursor().reset(buf, frame);
    while (cursor.next()) records.push(cursor.toRecord(copy));
  }
  frame.records = records;
  return frame;
}
