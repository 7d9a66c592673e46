import { asBuffer } from './bytes.js';
import { Kind } from './constants.js';
import { type DecodeOptions, decodeHeader, type FrameHeader } from './header.js';
import { type LogRecord, RecordCursor } from './record.js';

export interface DecodeFrameOptions extends DecodeOptions {
  /** Copy each record's `msg` and `reserved` out of the datagram (default: views into it). */
  copy?: boolean | undefined;
}

/** A whole decoded frame: the header, and for LOG every record. */
export interface Frame extends FrameHeader {
  /** The records of a LOG frame, in order; empty for other kinds. */
  records: LogRecord[];
}

// decodeFrame runs to completion synchronously, so one cursor serves every call.
const cursor = new RecordCursor();

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
    cursor.reset(buf, frame);
    while (cursor.next()) records.push(cursor.toRecord(copy));
  }
  frame.records = records;
  return frame;
}
