import { checkFileNameString, checkIdString } from './charset.js';
import { nowUs } from './clock.js';
import { MSG_TYPE_MAX_BYTES, RECORD_OVERHEAD_BYTES, SYS_ID_MAX_BYTES } from './constants.js';
import {
  badMessage,
  checkHeadLen,
  checkLevel,
  checkReserved,
  checkTime,
  headLenError,
} from './record-checks.js';
import type { LogRecordInput } from './record-types.js';

const TWO_32 = 0x1_0000_0000;

/** Node's UTF-8 write, without `Buffer#write`'s sorting of its arguments. */
interface NodeBuffer extends Buffer {
  utf8Write(text: string, offset: number, length: number): number;
}
// Buffer#utf8Write is what Buffer#write calls for 'utf8'; a runtime without it takes the long way.
const HAS_UTF8_WRITE = typeof (Buffer.prototype as Partial<NodeBuffer>).utf8Write === 'function';

// Starts each "last checked" field: a value no record can hold, so the first is checked.
const UNCHECKED = Symbol('unchecked');

/**
 * Writes records in the wire layout (record-types.ts). Each encoder remembers the last
 * ASCII fields that passed their checks: strings are immutable, so a record that
 * repeats them (the common case: an app logs to a few files) skips the charset scan.
 * One per writer: what one has checked says nothing about another's records.
 */
export class RecordEncoder {
  private lastSysId: unknown = UNCHECKED;
  private lastMsgType: unknown = UNCHECKED;
  private lastFileName: unknown = UNCHECKED;

  /**
   * Encodes one record at `pos`, never past `limit`. Returns the offset after it, or,
   * when it does not fit, minus the record's size (nothing counts as written then).
   * @throws {FieldError} when a field breaks a rule.
   */
  write(buf: Buffer, pos: number, limit: number, rec: LogRecordInput): number {
    const sysId = rec.sysId;
    const msgType = rec.msgType;
    const fileName = rec.fileName;
    if (sysId !== this.lastSysId) {
      checkIdString(sysId, 'sys_id', SYS_ID_MAX_BYTES);
      this.lastSysId = sysId;
    }
    if (msgType !== this.lastMsgType) {
      checkIdString(msgType, 'msg_type', MSG_TYPE_MAX_BYTES);
      this.lastMsgType = msgType;
    }
    if (fileName !== this.lastFileName) {
      checkFileNameString(fileName);
      this.lastFileName = fileName;
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
        msgLen = HAS_UTF8_WRITE
          ? (buf as NodeBuffer).utf8Write(msg, msgAt, room)
          : buf.write(msg, msgAt, room, 'utf8');
      } else {
        msgLen = Buffer.byteLength(msg, 'utf8');
        if (headLen > msgLen) throw headLenError(headLen, msgLen);
        if (msgLen > room) return -(msgAt - pos + msgLen);
        if (HAS_UTF8_WRITE) (buf as NodeBuffer).utf8Write(msg, msgAt, msgLen);
        else buf.write(msg, msgAt, msgLen, 'utf8');
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
}
