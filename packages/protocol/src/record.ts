import { asBuffer } from './bytes.js';
import {
  checkFileNameBytes,
  checkFileNameLength,
  checkFileNameString,
  checkIdBytes,
  checkIdLength,
  checkIdString,
} from './charset.js';
import { nowUs } from './clock.js';
import {
  HEAD_LEN_MAX,
  HEADER_BYTES,
  type Level,
  MAX_LEVEL,
  MSG_TYPE_MAX_BYTES,
  maxRecordBytes,
  RECORD_OVERHEAD_BYTES,
  RESERVED_MAX_BYTES,
  SYS_ID_MAX_BYTES,
} from './constants.js';
import { FieldError, FrameError } from './errors.js';
import { type FrameHeader, readU32 } from './header.js';

/*
 * LOG record, repeated `count` times after the header. str8 = u8 length + bytes.
 *
 * | size | field     | rule                                                       |
 * |-----:|-----------|------------------------------------------------------------|
 * | str8 | sys_id    | 1..4 bytes of [A-Za-z0-9_]                                 |
 * | str8 | msg_type  | 1..4 bytes of [A-Za-z0-9_]                                 |
 * | str8 | file_name | 1..16 bytes of [A-Za-z0-9_.-], not starting with "."       |
 * | 1    | level     | 0 unset, 1 TRACE .. 6 FATAL                                |
 * | 8    | time_us   | µs since the Unix epoch, u64 (high u32, then low u32)      |
 * | 2    | head_len  | bytes of the subsystem's header at the start of msg, <= msg_len |
 * | str8 | reserved  | 0..80 opaque bytes                                         |
 * | 4    | msg_len   | length of msg                                              |
 * | n    | msg       | any bytes                                                  |
 *
 * The records fill the body exactly: no byte left over, none missing.
 */

const TWO_32 = 0x1_0000_0000;
const EMPTY = Buffer.alloc(0);

/** A record as callers hand it to the encoder. Omitted fields take their zero value; `timeUs` is now. */
export interface LogRecordInput {
  /** Subsystem code: 1..4 of `[A-Za-z0-9_]`. */
  sysId: string;
  /** Message type: 1..4 of `[A-Za-z0-9_]` (`TXT`, `XML`, `8583`, ...). */
  msgType: string;
  /** Log file on the server: 1..16 of `[A-Za-z0-9_.-]`, not starting with `.`. */
  fileName: string;
  /** 0 unset (default), 1 TRACE .. 6 FATAL; see {@link Level}. */
  level?: number | undefined;
  /** Microseconds since the Unix epoch; default: now. A safe integer, or a bigint for the full u64 range. */
  timeUs?: number | bigint | undefined;
  /** Length of the subsystem's own header at the start of `msg`; default 0. */
  headLen?: number | undefined;
  /** Up to 80 opaque bytes. */
  reserved?: Uint8Array | undefined;
  /** The message: a string (sent as UTF-8) or bytes. */
  msg: string | Uint8Array;
}

/** A decoded record. `msg` and `reserved` are views into the datagram unless a copy was asked for. */
export interface LogRecord {
  sysId: string;
  msgType: string;
  fileName: string;
  level: Level;
  /**
   * µs since the epoch. Exact up to 2^53 - 1 (the year 2255); larger wire values come
   * out rounded here ({@link RecordCursor.timeUsBigInt} reads them exactly).
   */
  timeUs: number;
  headLen: number;
  reserved: Buffer;
  msg: Buffer;
}

function checkLevel(level: unknown): number {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
    throw new FieldError(
      'ERR_PROTOCOL_BAD_LEVEL',
      `level must be an integer 0..${MAX_LEVEL}, not ${String(level)}`,
      {
        field: 'level',
      },
    );
  }
  return level;
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;

function badTime(timeUs: unknown): FieldError {
  return new FieldError(
    'ERR_PROTOCOL_BAD_TIME',
    `time_us must be a non-negative safe integer or a bigint below 2^64, not ${String(timeUs)}`,
    { field: 'time_us' },
  );
}

function checkTime(timeUs: unknown): void {
  if (typeof timeUs === 'number') {
    if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw badTime(timeUs);
  } else if (typeof timeUs !== 'bigint' || timeUs < 0n || timeUs > U64_MAX) {
    throw badTime(timeUs);
  }
}

function checkHeadLen(headLen: unknown): number {
  if (typeof headLen !== 'number' || !Number.isInteger(headLen) || headLen < 0 || headLen > HEAD_LEN_MAX) {
    throw new FieldError('ERR_PROTOCOL_BAD_HEAD_LEN', `head_len must be an integer 0..${HEAD_LEN_MAX}`, {
      field: 'head_len',
    });
  }
  return headLen;
}

function checkReserved(reserved: unknown): number {
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

function headLenError(headLen: number, msgLen: number, offset?: number): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_HEAD_LEN', `head_len ${headLen} exceeds msg_len ${msgLen}`, {
    field: 'head_len',
    offset,
  });
}

function badMessage(): FieldError {
  return new FieldError('ERR_PROTOCOL_BAD_MESSAGE', 'msg must be a string or a Uint8Array', { field: 'msg' });
}

/** The error for a record that no datagram can hold. */
export function recordTooLarge(size: number, authenticated: boolean): FieldError {
  const after = authenticated ? 'the header and trailer' : 'the header';
  return new FieldError(
    'ERR_PROTOCOL_RECORD_TOO_LARGE',
    `record is ${size} bytes; a datagram holds at most ${maxRecordBytes(authenticated)} after ${after}`,
    { field: 'msg' },
  );
}

export interface RecordCheckOptions {
  /** Frames will carry the AUTH trailer, which leaves 16 bytes less for the record. */
  authenticated?: boolean | undefined;
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
  const authenticated = options?.authenticated === true;
  if (size > maxRecordBytes(authenticated)) throw recordTooLarge(size, authenticated);
  return size;
}

// The last ASCII fields that passed their checks. Strings are immutable, so a record
// that repeats them (the common case: an app logs to a few files) skips the charset scan.
// They start as a value no record can hold, so the first record is always checked.
const UNCHECKED = Symbol('unchecked');
let lastSysId: unknown = UNCHECKED;
let lastMsgType: unknown = UNCHECKED;
let lastFileName: unknown = UNCHECKED;

/**
 * Encodes one record at `pos`, never past `limit`. Returns the offset after it, or,
 * when it does not fit, minus the record's size (nothing counts as written then).
 * @throws {FieldError} when a field breaks a rule.
 */
export function writeRecord(buf: Buffer, pos: number, limit: number, rec: LogRecordInput): number {
  const sysId = rec.sysId;
  const msgType = rec.msgType;
  const fileName = rec.fileName;
  if (sysId !== lastSysId) {
    checkIdString(sysId, 'sys_id', SYS_ID_MAX_BYTES);
    lastSysId = sysId;
  }
  if (msgType !== lastMsgType) {
    checkIdString(msgType, 'msg_type', MSG_TYPE_MAX_BYTES);
    lastMsgType = msgType;
  }
  if (fileName !== lastFileName) {
    checkFileNameString(fileName);
    lastFileName = fileName;
  }
  const level = rec.level === undefined ? 0 : checkLevel(rec.level);
  const time = rec.timeUs;
  let hi: number;
  let lo: number;
  if (typeof time === 'number' && Number.isSafeInteger(time) && time >= 0) {
    hi = Math.floor(time / TWO_32);
    lo = time >>> 0;
  } else if (time === undefined) {
    const now = nowUs();
    hi = Math.floor(now / TWO_32);
    lo = now >>> 0;
  } else {
    checkTime(time);
    hi = Number((time as bigint) >> 32n);
    lo = Number((time as bigint) & 0xffff_ffffn);
  }
  const headLen = rec.headLen === undefined ? 0 : checkHeadLen(rec.headLen);
  const reserved = rec.reserved;
  const resLen = reserved === undefined ? 0 : checkReserved(reserved);
  const msgAt = pos + RECORD_OVERHEAD_BYTES + sysId.length + msgType.length + fileName.length + resLen;
  const room = limit - msgAt;
  const msg = rec.msg;
  let msgLen: number;
  if (typeof msg === 'string') {
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so when 3 × length fits we
    // write at once and learn the byte length from the write: the string is walked once.
    if (msg.length * 3 <= room) {
      if (headLen > msg.length) {
        const n = Buffer.byteLength(msg, 'utf8');
        if (headLen > n) throw headLenError(headLen, n);
      }
      msgLen = buf.write(msg, msgAt, 'utf8');
    } else {
      msgLen = Buffer.byteLength(msg, 'utf8');
      if (headLen > msgLen) throw headLenError(headLen, msgLen);
      if (msgLen > room) return -(msgAt - pos + msgLen);
      buf.write(msg, msgAt, msgLen, 'utf8');
    }
  } else if (msg instanceof Uint8Array) {
    msgLen = msg.byteLength;
    if (headLen > msgLen) throw headLenError(headLen, msgLen);
    if (msgLen > room) return -(msgAt - pos + msgLen);
    buf.set(msg, msgAt);
  } else {
    throw badMessage();
  }
  let p = pos;
  buf[p++] = sysId.length;
  for (let i = 0; i < sysId.length; i++) buf[p++] = sysId.charCodeAt(i);
  buf[p++] = msgType.length;
  for (let i = 0; i < msgType.length; i++) buf[p++] = msgType.charCodeAt(i);
  buf[p++] = fileName.length;
  for (let i = 0; i < fileName.length; i++) buf[p++] = fileName.charCodeAt(i);
  buf[p++] = level;
  buf[p++] = hi >>> 24;
  buf[p++] = hi >>> 16;
  buf[p++] = hi >>> 8;
  buf[p++] = hi;
  buf[p++] = lo >>> 24;
  buf[p++] = lo >>> 16;
  buf[p++] = lo >>> 8;
  buf[p++] = lo;
  buf[p++] = headLen >>> 8;
  buf[p++] = headLen;
  buf[p++] = resLen;
  if (resLen !== 0) {
    buf.set(reserved!, p);
    p += resLen;
  }
  buf[p++] = msgLen >>> 24;
  buf[p++] = msgLen >>> 16;
  buf[p++] = msgLen >>> 8;
  buf[p] = msgLen;
  return msgAt + msgLen;
}

// Short ASCII fields: String.fromCharCode on 1..4 bytes skips the native call of buf.toString().
function ascii(buf: Buffer, at: number, n: number): string {
  switch (n) {
    case 1:
      return String.fromCharCode(buf[at]!);
    case 2:
      return String.fromCharCode(buf[at]!, buf[at + 1]!);
    case 3:
      return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!);
    case 4:
      return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
    default:
      return buf.toString('latin1', at, at + n);
  }
}

// Records in one frame nearly always repeat the previous record's sys_id, msg_type and
// file_name (clients route by file): comparing a few bytes is cheaper than a new string.
function sameText(prev: string, buf: Buffer, at: number, n: number): boolean {
  if (prev.length !== n) return false;
  for (let i = 0; i < n; i++) if (prev.charCodeAt(i) !== buf[at + i]) return false;
  return true;
}

/**
 * Reads the records of one LOG frame in place: one reusable object, no copy of the
 * message (its bytes are at `msgOffset`, `msgLength` in the datagram). Each `next()`
 * checks one record against every rule; the call that returns `false` checks that the
 * records filled the body exactly. Use {@link decodeFrame} to check a whole frame first.
 */
export class RecordCursor {
  sysId = '';
  msgType = '';
  fileName = '';
  level: Level = 0;
  /** time_us as a number (exact up to 2^53 - 1). */
  timeUs = 0;
  /** time_us, high and low u32 words as on the wire: exact over the whole u64 range. */
  timeHigh = 0;
  timeLow = 0;
  headLen = 0;
  reservedOffset = 0;
  reservedLength = 0;
  msgOffset = 0;
  msgLength = 0;
  /** How many records have been read. */
  index = 0;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  private count = 0;

  /** Points the cursor at the body of a LOG datagram whose header {@link decodeHeader} accepted. */
  reset(datagram: Uint8Array, header: FrameHeader): this {
    this.buf = asBuffer(datagram);
    this.pos = HEADER_BYTES;
    this.end = header.bodyEnd;
    this.count = header.count;
    this.index = 0;
    return this;
  }

  /**
   * Reads the next record. `false` when all `count` records were read and nothing is left.
   * @throws {ProtocolError} on the first broken rule.
   */
  next(): boolean {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (this.index === this.count) {
      if (p !== end) {
        throw new FrameError(
          'ERR_PROTOCOL_TRAILING_BYTES',
          `${end - p} bytes after the last of ${this.count} records`,
          {
            field: 'body',
            offset: p,
          },
        );
      }
      return false;
    }
    if (p >= end) throw this.truncated('sys_id', p);
    let n = buf[p]!;
    checkIdLength(n, 'sys_id', SYS_ID_MAX_BYTES, p);
    if (++p + n > end) throw this.truncated('sys_id', p - 1);
    checkIdBytes(buf, p, n, 'sys_id');
    if (!sameText(this.sysId, buf, p, n)) this.sysId = ascii(buf, p, n);
    p += n;

    if (p >= end) throw this.truncated('msg_type', p);
    n = buf[p]!;
    checkIdLength(n, 'msg_type', MSG_TYPE_MAX_BYTES, p);
    if (++p + n > end) throw this.truncated('msg_type', p - 1);
    checkIdBytes(buf, p, n, 'msg_type');
    if (!sameText(this.msgType, buf, p, n)) this.msgType = ascii(buf, p, n);
    p += n;

    if (p >= end) throw this.truncated('file_name', p);
    n = buf[p]!;
    checkFileNameLength(n, p);
    if (++p + n > end) throw this.truncated('file_name', p - 1);
    checkFileNameBytes(buf, p, n);
    if (!sameText(this.fileName, buf, p, n)) this.fileName = ascii(buf, p, n);
    p += n;

    // level (1) + time_us (8) + head_len (2) + reserved's length byte (1)
    if (p + 12 > end) throw this.truncated('level', p);
    const level = buf[p]!;
    if (level > MAX_LEVEL) {
      throw new FieldError('ERR_PROTOCOL_BAD_LEVEL', `level ${level} is not 0..${MAX_LEVEL}`, {
        field: 'level',
        offset: p,
      });
    }
    this.level = level as Level;
    this.timeHigh = readU32(buf, p + 1);
    this.timeLow = readU32(buf, p + 5);
    this.timeUs = this.timeHigh * TWO_32 + this.timeLow;
    const headLen = (buf[p + 9]! << 8) | buf[p + 10]!;
    const headLenAt = p + 9;
    p += 11;
    n = buf[p]!;
    if (n > RESERVED_MAX_BYTES) {
      throw new FieldError(
        'ERR_PROTOCOL_FIELD_TOO_LONG',
        `reserved is ${n} bytes; at most ${RESERVED_MAX_BYTES} allowed`,
        {
          field: 'reserved',
          offset: p,
        },
      );
    }
    // reserved bytes + msg_len (4)
    if (++p + n + 4 > end) throw this.truncated('reserved', p - 1);
    this.reservedOffset = p;
    this.reservedLength = n;
    p += n;
    const msgLen = readU32(buf, p);
    p += 4;
    if (msgLen > end - p) throw this.truncated('msg', p - 4);
    if (headLen > msgLen) throw headLenError(headLen, msgLen, headLenAt);
    this.headLen = headLen;
    this.msgOffset = p;
    this.msgLength = msgLen;
    this.pos = p + msgLen;
    this.index++;
    return true;
  }

  /** The current record's time_us, exact whatever its size. */
  timeUsBigInt(): bigint {
    return (BigInt(this.timeHigh) << 32n) | BigInt(this.timeLow);
  }

  /** The current record's message: a view into the datagram (no copy). */
  msg(): Buffer {
    return this.buf.subarray(this.msgOffset, this.msgOffset + this.msgLength);
  }

  /** The current record's reserved bytes: a view into the datagram (no copy). */
  reserved(): Buffer {
    return this.reservedLength === 0
      ? EMPTY
      : this.buf.subarray(this.reservedOffset, this.reservedOffset + this.reservedLength);
  }

  /** The current record as an object; `copy` detaches `msg` and `reserved` from the datagram. */
  toRecord(copy = false): LogRecord {
    const msg = this.msg();
    const reserved = this.reserved();
    return {
      sysId: this.sysId,
      msgType: this.msgType,
      fileName: this.fileName,
      level: this.level,
      timeUs: this.timeUs,
      headLen: this.headLen,
      reserved: copy && reserved.length !== 0 ? Buffer.from(reserved) : reserved,
      msg: copy ? Buffer.from(msg) : msg,
    };
  }

  private truncated(field: string, offset: number): FrameError {
    return new FrameError(
      'ERR_PROTOCOL_TRUNCATED',
      `record ${this.index + 1} of ${this.count}: ${field} runs past the end of the frame`,
      { field, offset },
    );
  }
}
