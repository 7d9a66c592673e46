import { CliError } from '../errors.js';

/** How a line becomes a record: `clogs` = `sys_id msg_type msg` (the original design); `raw` = the message. */
export type LineFormat = 'clogs' | 'raw';

export interface ParsedLine {
  /** From the line in `clogs` format; undefined in `raw` (the flags' values apply). */
  sysId: string | undefined;
  msgType: string | undefined;
  /** The message bytes, as they came (not decoded: invalid UTF-8 goes through untouched). */
  msg: Buffer;
}

const SPACE = 0x20;
const TAB = 0x09;
const isBlank = (b: number | undefined) => b === SPACE || b === TAB;

/** A token's string, made again only when its bytes change (a log's lines mostly repeat sys_id and msg_type). */
class TokenCache {
  private bytes = Buffer.alloc(16);
  private length = -1;
  private text = '';

  get(line: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n === this.length) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (line[start + i] !== this.bytes[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.text;
    }
    this.text = line.toString('latin1', start, end);
    if (n > this.bytes.length) this.bytes = Buffer.alloc(n);
    line.copy(this.bytes, 0, start, end);
    this.length = n;
    return this.text;
  }
}

/**
 * Splits lines (no LF, no trailing CR) into record fields. `clogs`: the first two
 * blank-separated tokens are sys_id and msg_type, the rest (after the blanks that
 * follow msg_type) is the message, kept byte for byte. The fields' own rules (lengths,
 * charsets) are the client's to check. One parser per input: it returns the same
 * object each time, and keeps the last strings to reuse.
 */
export class LineParser {
  private readonly out: ParsedLine = { sysId: undefined, msgType: undefined, msg: Buffer.alloc(0) };
  private readonly sys = new TokenCache();
  private readonly type = new TokenCache();

  /**
   * `keepEmpty` (`--keep-empty`): a message may be empty. In `clogs` format `sys_id
   * msg_type` alone is then a record with an empty message; in `raw` format a blank
   * line is a record, its message the line as it is.
   */
  constructor(
    readonly format: LineFormat,
    readonly keepEmpty = false,
  ) {}

  /**
   * Whether `line[start, end)` is a blank line the rule skips (and counts): empty, or
   * spaces and tabs only. Not with `keepEmpty` in `raw` format, where it is a message;
   * always in `clogs` format, where it names no sys_id.
   */
  skips(line: Buffer, start: number, end: number): boolean {
    if (this.keepEmpty && this.format === 'raw') return false;
    for (let i = start; i < end; i++) if (!isBlank(line[i])) return false;
    return true;
  }

  /**
   * The fields of `line[start, end)`, in an object this parser reuses.
   * @throws {CliError} `ERR_CLI_BAD_LINE` for a line with no message.
   */
  parse(line: Buffer, start: number, end: number): ParsedLine {
    const out = this.out;
    if (this.format === 'raw') {
      if (end === start && !this.keepEmpty)
        throw new CliError('ERR_CLI_BAD_LINE', 'empty message', { reason: 'empty-message' });
      out.msg = line.subarray(start, end);
      return out;
    }
    let i = start;
    while (i < end && isBlank(line[i])) i++;
    const sysStart = i;
    while (i < end && !isBlank(line[i])) i++;
    const sysEnd = i;
    while (i < end && isBlank(line[i])) i++;
    const typeStart = i;
    while (i < end && !isBlank(line[i])) i++;
    const typeEnd = i;
    while (i < end && isBlank(line[i])) i++;
    if (sysEnd === sysStart)
      throw new CliError('ERR_CLI_BAD_LINE', 'empty line: expected sys_id msg_type msg', {
        reason: 'empty-message',
      });
    if (typeEnd === typeStart)
      throw new CliError('ERR_CLI_BAD_LINE', 'no msg_type: expected sys_id msg_type msg', {
        reason: 'no-msg-type',
      });
    if (i >= end && !this.keepEmpty)
      throw new CliError('ERR_CLI_BAD_LINE', 'empty message', { reason: 'empty-message' });
    out.sysId = this.sys.get(line, sysStart, sysEnd);
    out.msgType = this.type.get(line, typeStart, typeEnd);
    out.msg = line.subarray(i, end);
    return out;
  }
}

/** One line's fields, in a new object (a one-off parse). */
export function parseLine(line: Buffer, format: LineFormat, keepEmpty = false): ParsedLine {
  return { ...new LineParser(format, keepEmpty).parse(line, 0, line.length) };
}
