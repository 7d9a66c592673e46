import { asBuffer, readU32 } from './bytes.js';
import { checkFileNameBytes, checkFileNameLength, checkIdBytes, checkIdLength } from './charset.js';
import { MSG_TYPE_MAX_BYTES, RESERVED_MAX_BYTES, SYS_ID_MAX_BYTES } from './constants.js';
import { FieldError, FrameError } from './errors.js';
import type { FrameHeader } from './header-types.js';
import { type Level, MAX_LEVEL } from './level.js';
import { headLenError } from './record-checks.js';
import type { LogRecord } from './record-types.js';

const TWO_32 = 0x1_0000_0000;
const EMPTY = Buffer.alloc(0);

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

  /**
   * Points the cursor at the body of a LOG datagram whose header {@link decodeHeader}
   * accepted (from `header.bodyStart`: 16, or 52 sealed).
   */
  reset(datagram: Uint8Array, header: Pick<FrameHeader, 'bodyStart' | 'bodyEnd' | 'count'>): this {
    this.buf = asBuffer(datagram);
    this.pos = header.bodyStart;
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
