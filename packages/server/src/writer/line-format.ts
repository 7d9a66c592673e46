import { LEVELS, type Level, levelName, parseLevel, type RecordCursor } from '@clogs/protocol';

/*
 * One record, one line, fields separated by one space:
 *
 * | field     | form                                                      | example                       |
 * |-----------|-----------------------------------------------------------|-------------------------------|
 * | time      | UTC, microseconds: YYYY-MM-DDTHH:MM:SS.ffffffZ            | 2026-11-23T07:41:26.123456Z   |
 * |           | (outside years 1970..9999: "@" and the raw time_us)       | @18446744073709551615         |
 * | level     | the level's name in upper case (UNSET TRACE .. FATAL)     | INFO                          |
 * | sys_id    | as sent                                                   | PAY1                          |
 * | msg_type  | as sent                                                   | TXT                           |
 * | head_len  | decimal, counted in bytes of the original message         | 0                             |
 * | reserved  | lowercase hex, or "-" when empty                          | 0102                          |
 * | msg       | the message, with \ as \\, LF as \n, CR as \r; other bytes raw | hello\nworld             |
 *
 * then LF. Only the message can hold a space and it is last, so splitting on the first
 * six spaces gives the fields back; unescaping gives the message's exact bytes.
 */

// Indexed by level number; the cursor has checked the number.
const LEVEL_BYTES = LEVELS.map((l) => Buffer.from(l.name.toUpperCase(), 'latin1'));
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const TS_BYTES = 27;
/** Last second that formats as YYYY-...: 9999-12-31T23:59:59Z. */
const MAX_SECOND = 253_402_300_799;

/** Bytes a line can take at most, for a message of `msgLength` bytes (every byte escaped). */
export function maxLineBytes(msgLength: number, reservedLength: number): number {
  // time (27, or "@" + 20 digits), level 5, sys_id 4, msg_type 4, head_len 5, reserved
  // as hex (or "-"), 6 spaces, message, LF
  return TS_BYTES + 5 + 4 + 4 + 5 + Math.max(1, reservedLength * 2) + 6 + msgLength * 2 + 1;
}

function writeAscii(out: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

function writeDecimal(out: Buffer, pos: number, n: number): number {
  if (n < 10) {
    out[pos] = 0x30 + n;
    return pos + 1;
  }
  const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  for (let i = pos + digits - 1; i >= pos; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return pos + digits;
}

/**
 * Masks card numbers in out[from, to): every run of 13 to 19 ASCII digits keeps its
 * first 6 and last 4 digits and has the others replaced by "*". Escapes never produce
 * digits, so masking the escaped line equals masking the message.
 */
export function maskPan(out: Buffer, from: number, to: number): void {
  let i = from;
  while (i < to) {
    if (out[i]! < 0x30 || out[i]! > 0x39) {
      i++;
      continue;
    }
    const start = i;
    while (i < to && out[i]! >= 0x30 && out[i]! <= 0x39) i++;
    const n = i - start;
    if (n >= 13 && n <= 19) out.fill(STAR, start + 6, i - 4);
  }
}

/**
 * Formats records as lines. Call {@link begin} once per datagram, then {@link line}
 * for each record in order.
 *
 * Most messages hold no byte that needs escaping. `begin` finds every `\`, LF and CR in
 * the datagram with native searches (memchr), so a message with none of them is copied
 * with one native copy instead of a JavaScript loop over its bytes.
 */
export class LineFormatter {
  private datagram: Buffer = Buffer.alloc(0);
  private specials = new Int32Array(64);
  private count = 0;
  private next = 0;
  // Records of one burst share their second: the "YYYY-MM-DDTHH:MM:SS." prefix is
  // formatted once per second and copied, and only the six microsecond digits per line.
  private second = -1;
  private readonly prefix = Buffer.alloc(20);

  constructor(private readonly mask: boolean) {}

  /** Prepares for the records of `datagram`, whose body is [from, to). */
  begin(datagram: Buffer, from: number, to: number): void {
    this.datagram = datagram;
    this.count = 0;
    this.next = 0;
    this.find(BACKSLASH, from, to);
    this.find(LF, from, to);
    this.find(CR, from, to);
    if (this.count > 1) this.specials.subarray(0, this.count).sort();
  }

  /**
   * Writes the cursor's current record as one line at `pos` in `out`, which must have
   * {@link maxLineBytes} of room, and returns the position after its LF.
   */
  line(out: Buffer, pos: number, cursor: RecordCursor): number {
    const datagram = this.datagram;
    let p = this.writeTime(out, pos, cursor);
    out[p++] = SPACE;
    const level = LEVEL_BYTES[cursor.level]!;
    for (let i = 0; i < level.length; i++) out[p++] = level[i]!;
    out[p++] = SPACE;
    p = writeAscii(out, p, cursor.sysId);
    out[p++] = SPACE;
    p = writeAscii(out, p, cursor.msgType);
    out[p++] = SPACE;
    p = writeDecimal(out, p, cursor.headLen);
    out[p++] = SPACE;
    if (cursor.reservedLength === 0) {
      out[p++] = 0x2d; // "-"
    } else {
      for (let i = cursor.reservedOffset, end = i + cursor.reservedLength; i < end; i++) {
        const b = datagram[i]!;
        out[p++] = HEX[b >>> 4]!;
        out[p++] = HEX[b & 15]!;
      }
    }
    out[p++] = SPACE;
    const msgStart = cursor.msgOffset;
    const msgEnd = msgStart + cursor.msgLength;
    // specials before this message belong to earlier fields or records: skip them
    while (this.next < this.count && this.specials[this.next]! < msgStart) this.next++;
    let bodyAt: number;
    if (this.next === this.count || this.specials[this.next]! >= msgEnd) {
      bodyAt = p + cursor.headLen;
      p += datagram.copy(out, p, msgStart, msgEnd);
    } else {
      const headEnd = msgStart + cursor.headLen;
      bodyAt = p;
      for (let i = msgStart; i < msgEnd; i++) {
        if (i === headEnd) bodyAt = p;
        const b = datagram[i]!;
        if (b === BACKSLASH || b === LF || b === CR) {
          out[p++] = BACKSLASH;
          out[p++] = b === BACKSLASH ? BACKSLASH : b === LF ? 0x6e : 0x72;
        } else {
          out[p++] = b;
        }
      }
      if (headEnd === msgEnd) bodyAt = p;
    }
    if (this.mask) maskPan(out, bodyAt, p);
    out[p++] = LF;
    return p;
  }

  private writeTime(out: Buffer, pos: number, cursor: RecordCursor): number {
    let second: number;
    let us: number;
    // Below 2^53 (high word < 2^21) the number is exact; above, split the exact u64.
    if (cursor.timeHigh < 0x20_0000) {
      second = Math.floor(cursor.timeUs / 1e6);
      us = cursor.timeUs - second * 1e6;
    } else {
      const exact = cursor.timeUsBigInt();
      second = Number(exact / 1_000_000n);
      us = Number(exact % 1_000_000n);
    }
    if (second > MAX_SECOND) {
      out[pos++] = 0x40; // "@"
      return pos + out.write(cursor.timeUsBigInt().toString(), pos, 'latin1');
    }
    const prefix = this.prefix;
    if (second !== this.second) {
      prefix.write(new Date(second * 1000).toISOString().slice(0, 19), 0, 'latin1');
      prefix[19] = 0x2e; // "."
      this.second = second;
    }
    // Short runs are copied by hand: a native Buffer.copy call costs more than 20 stores.
    for (let i = 0; i < 20; i++) out[pos + i] = prefix[i]!;
    for (let i = pos + 25; i >= pos + 20; i--) {
      out[i] = 0x30 + (us % 10);
      us = Math.floor(us / 10);
    }
    out[pos + 26] = 0x5a; // "Z"
    return pos + TS_BYTES;
  }

  private find(byte: number, from: number, to: number): void {
    for (
      let i = this.datagram.indexOf(byte, from);
      i >= 0 && i < to;
      i = this.datagram.indexOf(byte, i + 1)
    ) {
      if (this.count === this.specials.length) {
        const grown = new Int32Array(this.count * 2);
        grown.set(this.specials);
        this.specials = grown;
      }
      this.specials[this.count++] = i;
    }
  }
}

/** The level of a line's level field: a level's name in upper case, nothing else. */
function levelIn(text: string): Level | undefined {
  let level: Level;
  try {
    level = parseLevel(text);
  } catch {
    return undefined;
  }
  return levelName(level).toUpperCase() === text ? level : undefined;
}

/** A line read back. */
export interface ParsedLine {
  /** µs since the epoch, exact. */
  timeUs: bigint;
  level: Level;
  sysId: string;
  msgType: string;
  headLen: number;
  reserved: Buffer;
  msg: Buffer;
}

/**
 * Parses one line (without its LF) back into the record's fields; the message comes
 * back byte for byte. Returns `undefined` for a line not in this format.
 */
export function parseLine(line: Buffer): ParsedLine | undefined {
  const fields: Buffer[] = [];
  let at = 0;
  for (let i = 0; i < 6; i++) {
    const space = line.indexOf(SPACE, at);
    if (space < 0) return undefined;
    fields.push(line.subarray(at, space));
    at = space + 1;
  }
  const [time, levelText, sys, type, head, reserved] = fields as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  const level = levelIn(levelText.toString('latin1'));
  if (level === undefined) return undefined;
  let timeUs: bigint;
  const t = time.toString('latin1');
  if (t.startsWith('@')) {
    if (!/^@\d+$/.test(t)) return undefined;
    timeUs = BigInt(t.slice(1));
  } else {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})Z$/.exec(t);
    if (!m) return undefined;
    timeUs = BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt(m[2]!);
  }
  const r = reserved.toString('latin1');
  if (r !== '-' && !/^(?:[0-9a-f]{2})+$/.test(r)) return undefined;
  const h = head.toString('latin1');
  if (!/^\d+$/.test(h)) return undefined;
  const body = line.subarray(at);
  const msg = Buffer.allocUnsafe(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b !== BACKSLASH) {
      msg[n++] = b;
      continue;
    }
    const e = body[++i];
    if (e === BACKSLASH) msg[n++] = BACKSLASH;
    else if (e === 0x6e) msg[n++] = LF;
    else if (e === 0x72) msg[n++] = CR;
    else return undefined;
  }
  return {
    timeUs,
    level: level as Level,
    sysId: sys.toString('latin1'),
    msgType: type.toString('latin1'),
    headLen: Number(h),
    reserved: r === '-' ? Buffer.alloc(0) : Buffer.from(r, 'hex'),
    msg: msg.subarray(0, n),
  };
}
