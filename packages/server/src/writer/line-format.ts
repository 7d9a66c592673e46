import { LEVELS, PanFinder, type RecordCursor } from '@clogs/protocol';
import { MAX_ESCAPED_BYTES_PER_BYTE, writeEscaped } from './line-escape.js';
import { type LineSource, type Sealed, SOURCE_MAX_BYTES, writeSource } from './line-source.js';

export { type ParsedLine, parseLine } from './parse-line.js';
export type { LineSource, Sealed };

/*
 * One record, one line, fields separated by one space:
 *
 * | field     | form                                                      | example                       |
 * |-----------|-----------------------------------------------------------|-------------------------------|
 * | time      | UTC, microseconds: YYYY-MM-DDTHH:MM:SS.ffffffZ            | 2026-11-23T07:41:26.123456Z   |
 * |           | (outside years 1970..9999: "@" and the raw time_us)       | @18446744073709551615         |
 * | source    | only with attribution: address:port/sealed (line-source)  | 127.0.0.1:40211/signed        |
 * | level     | the level's name in upper case (UNSET TRACE .. FATAL)     | INFO                          |
 * | sys_id    | as sent                                                   | PAY1                          |
 * | msg_type  | as sent                                                   | TXT                           |
 * | head_len  | decimal, counted in bytes of the original message         | 0                             |
 * | reserved  | lowercase hex, or "-" when empty                          | 0102                          |
 * | msg       | the message, escaped (line-escape.ts)                     | hello\nworld\x1b              |
 *
 * then LF. Only the message can hold a space and it is last, so splitting on the first
 * six (seven with a source) spaces gives the fields back; unescaping gives the message's
 * exact bytes. A source starts with a digit or "[", a level with a capital letter.
 */

// Indexed by level number; the cursor has checked the number.
const LEVEL_BYTES = LEVELS.map((l) => Buffer.from(l.name.toUpperCase(), 'latin1'));
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const SPACE = 0x20;
const LF = 0x0a;
const TS_BYTES = 27;
/** Last second that formats as YYYY-...: 9999-12-31T23:59:59Z. */
const MAX_SECOND = 253_402_300_799;

/** Bytes a line can take at most, for a message of `msgLength` bytes (every byte escaped). */
export function maxLineBytes(msgLength: number, reservedLength: number): number {
  // time (27, or "@" + 20 digits), a source and its space, level 5, sys_id 4, msg_type 4,
  // head_len 5, reserved as hex (or "-"), 6 spaces, message, LF
  return (
    TS_BYTES +
    SOURCE_MAX_BYTES +
    1 +
    5 +
    4 +
    4 +
    5 +
    Math.max(1, reservedLength * 2) +
    6 +
    msgLength * MAX_ESCAPED_BYTES_PER_BYTE +
    1
  );
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

export interface LineFormatOptions {
  /** Mask card numbers after head_len (@clogs/protocol's PanFinder). */
  maskPan?: boolean | undefined;
  /** Write each line's source: the sender's address and port, and how its frame was sealed. */
  attribution?: boolean | undefined;
}

/**
 * Formats records as lines. Call {@link begin} once per datagram, then {@link line}
 * for each record in order.
 */
export class LineFormatter {
  private datagram: Buffer = Buffer.alloc(0);
  // Records of one burst share their second: the "YYYY-MM-DDTHH:MM:SS." prefix is
  // formatted once per second and copied, and only the six microsecond digits per line.
  private second = -1;
  private readonly prefix = Buffer.alloc(20);
  /** Masks for every sys_id not in maskBySys. */
  private finder: PanFinder | undefined;
  /** Made once any masking is on: sys_ids masked of their own share it. */
  private pan: PanFinder | undefined;
  /** Sys_ids masked (true) or not (false) whatever the rest; undefined: none of their own. */
  private maskBySys: ReadonlyMap<string, boolean> | undefined;
  /** The message being masked: card numbers are starred in a copy, never in the datagram. */
  private scratch = Buffer.alloc(0);
  private attribution: boolean;
  /** This datagram's source field and its space, written once per datagram. */
  private readonly source = Buffer.alloc(SOURCE_MAX_BYTES + 1);
  private sourceBytes = 0;

  constructor(options: LineFormatOptions | boolean = {}) {
    const o = typeof options === 'boolean' ? { maskPan: options } : options;
    this.pan = o.maskPan === true ? new PanFinder() : undefined;
    this.finder = this.pan;
    this.attribution = o.attribution === true;
  }

  /** Masks card numbers from the next line on (or stops); `bySys` overrides it for its sys_ids. */
  setMaskPan(maskPan: boolean, bySys?: ReadonlyMap<string, boolean>): void {
    const any = maskPan || (bySys !== undefined && [...bySys.values()].includes(true));
    if (any) this.pan ??= new PanFinder();
    this.finder = maskPan ? this.pan : undefined;
    this.maskBySys = bySys === undefined || bySys.size === 0 ? undefined : bySys;
  }

  /** Writes each line's source from the next datagram on (or stops); a datagram is never half with it. */
  setAttribution(attribution: boolean): void {
    this.attribution = attribution;
    if (!attribution) this.sourceBytes = 0;
  }

  /**
   * Prepares for the records of `datagram`, whose body is [from, to). With attribution,
   * `remote` is where it came from (dgram's RemoteInfo will do) and `sealed` how its
   * frame was protected; both are required then.
   */
  begin(datagram: Buffer, _from: number, _to: number, remote?: LineSource, sealed?: Sealed): void {
    this.datagram = datagram;
    if (!this.attribution) return;
    const n = writeSource(this.source, remote, sealed);
    this.source[n] = SPACE;
    this.sourceBytes = n + 1;
  }

  /**
   * Writes the cursor's current record as one line at `pos` in `out`, which must have
   * {@link maxLineBytes} of room, and returns the position after its LF.
   */
  line(out: Buffer, pos: number, cursor: RecordCursor): number {
    const datagram = this.datagram;
    let p = this.writeTime(out, pos, cursor);
    out[p++] = SPACE;
    for (let i = 0; i < this.sourceBytes; i++) out[p++] = this.source[i]!;
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
    let finder = this.finder;
    if (this.maskBySys !== undefined) {
      const own = this.maskBySys.get(cursor.sysId);
      if (own !== undefined) finder = own ? this.pan : undefined;
    }
    if (finder !== undefined && finder.find(datagram, msgStart + cursor.headLen, msgEnd) > 0) {
      // the whole message is copied, so an escape spanning head and body stays one
      if (this.scratch.length < cursor.msgLength) this.scratch = Buffer.alloc(cursor.msgLength * 2);
      datagram.copy(this.scratch, 0, msgStart, msgEnd);
      finder.mask(this.scratch, -msgStart);
      p = writeEscaped(out, p, this.scratch, 0, cursor.msgLength);
    } else {
      p = writeEscaped(out, p, datagram, msgStart, msgEnd);
    }
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
}
