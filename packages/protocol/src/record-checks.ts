import { checkFileNameString, checkIdString } from './charset.js';
import {
  HEAD_LEN_MAX,
  MSG_TYPE_MAX_BYTES,
  maxRecordBytes,
  RECORD_OVERHEAD_BYTES,
  RESERVED_MAX_BYTES,
  SEALED_OVERHEAD_BYTES,
  SYS_ID_MAX_BYTES,
  TRAILER_BYTES,
} from './constants.js';
import { FieldError } from './errors.js';
import { type Level, MAX_LEVEL } from './level.js';
import type { LogRecordInput, RecordCheckOptions } from './record-types.js';

// The rules of a record's fields as given to the encoder (the cursor checks the same
// rules on the wire bytes). Each returns the field's wire value or throws a FieldError.

/** The wire takes level numbers only; names are read by {@link parseLevel} before this. */
export function checkLevel(level: unknown): Level {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new FieldError(
      'ERR_PROTOCOL_BAD_LEVEL',
      `level must be an integer 0..${MAX_LEVEL}, not ${String(level)}`,
      { field: 'level' },
    );
  }
  return level as Level;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function badTime(timeUs: unknown): FieldError {
  return new FieldError(
    'ERR_PROTOCOL_BAD_TIME',
    `time_us must be a non-negative safe integer or a bigint below 2^64, not ${String(timeUs)}`,
    { field: 'time_us' },
  );
}

export function checkTime(timeUs: unknown): void {
  if (typeof timeUs === 'number') {
    if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw badTime(timeUs);
  } else if (typeof timeUs !== 'bigint' || timeUs < 0n || timeUs > U64_MAX) {
    throw badTime(timeUs);
  }
}

export function checkHeadLen(headLen: unknown): number {
  if (typeof headLen !== 'number' || !Number.isInteger(headLen) || headLen < 0 || headLen > HEAD_LEN_MAX) {
    throw new FieldError('ERR_PROTOCOL_BAD_HEAD_LEN', `head_len must be an integer 0..${HEAD_LEN_MAX}`, {
      field: 'head_len',
    });
  }
  return headLen;
}

export function checkReserved(reserved: unknown): number {
  if (!(reserved instanceof Uint8Array)) {
    throw new FieldError('ERR_PROTOCOL_BAD_MESSAGE', 'reserved must be a Uint8Array', { field: 'reserved' });
  }
  if (reserved.byteLength > RESERVED_MAX_BYTES) {
    throw new FieldError(
      'ERR_PROTOCOL_FIELD_TOO_LONG',
      `reserved is ${reserved.byteLength} bytes; at most ${RESERVED_MAX_BYTES} allowed`,
      { field: 'reserved' },
    );
  }
  return reserved.byteLength;
}

export function headLenError(headLen: number, msgLen: number, offset?: number): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_HEAD_LEN', `head_len ${headLen} exceeds msg_len ${msgLen}`, {
    field: 'head_len',
    offset,
  });
}

export function badMessage(): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_MESSAGE', 'msg must be a string or a Uint8Array', { field: 'msg' });
}

/** The error for a record that no datagram can hold; `overheadBytes` as {@link maxRecordBytes} takes it. */
export function recordTooLarge(size: number, overheadBytes: number): FieldError {
  const after =
    overheadBytes === SEALED_OVERHEAD_BYTES
      ? 'the header, seal block and tag'
      : overheadBytes === 0
        ? 'the header'
        : 'the header and trailer';
  return new FieldError(
    'ERR_PROTOCOL_RECORD_TOO_LARGE',
    `record is ${size} bytes; a datagram holds at most ${maxRecordBytes(overheadBytes)} after ${after}`,
    { field: 'msg' },
  );
}

/**
 * Checks every field of a record, and that it fits in one datagram, and returns its
 * encoded size in bytes. This is the check `log()` runs before it accepts a record;
 * the encoder runs the same checks.
 * @throws {FieldError} naming the field and the rule.
 */
export function recordByteLength(rec: LogRecordInput, options?: RecordCheckOptions): number {
  checkIdString(rec.sysId, 'sys_id', SYS_ID_MAX_BYTES);
  checkIdString(rec.msgType, 'msg_type', MSG_TYPE_MAX_BYTES);
  checkFileNameString(rec.fileName);
  if (rec.level !== undefined) checkLevel(rec.level);
  if (rec.timeUs !== undefined) checkTime(rec.timeUs);
  const headLen = rec.headLen === undefined ? 0 : checkHeadLen(rec.headLen);
  const resLen = rec.reserved === undefined ? 0 : checkReserved(rec.reserved);
  const msg = rec.msg;
  let msgLen: number;
  if (typeof msg === 'string') msgLen = Buffer.byteLength(msg, 'utf8');
  else if (msg instanceof Uint8Array) msgLen = msg.byteLength;
  else throw badMessage();
  if (headLen > msgLen) throw headLenError(headLen, msgLen);
  const size =
    RECORD_OVERHEAD_BYTES + rec.sysId.length + rec.msgType.length + rec.fileName.length + resLen + msgLen;
  const overhead =
    options?.sealed === true ? SEALED_OVERHEAD_BYTES : options?.authenticated === true ? TRAILER_BYTES : 0;
  if (size > maxRecordBytes(overhead)) throw recordTooLarge(size, overhead);
  return size;
}
