import type { LevelInput } from '@clogs/client';
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

/** The end of the token starting at `at` (first blank or end). */
function tokenEnd(line: Buffer, at: number): number {
  let i = at;
  while (i < line.length && !isBlank(line[i])) i++;
  return i;
}

function skipBlanks(line: Buffer, at: number): number {
  let i = at;
  while (isBlank(line[i])) i++;
  return i;
}

/**
 * Splits one line (no LF, no trailing CR) into record fields. `clogs`: the first two
 * blank-separated tokens are sys_id and msg_type, the rest (after the blanks that
 * follow msg_type) is the message, kept byte for byte. The fields' own rules (lengths,
 * charsets) are the client's to check.
 * @throws {CliError} `ERR_CLI_BAD_LINE` for a line with no message.
 */
export function parseLine(line: Buffer, format: LineFormat): ParsedLine {
  if (format === 'raw') {
    if (line.length === 0) throw new CliError('ERR_CLI_BAD_LINE', 'empty message');
    return { sysId: undefined, msgType: undefined, msg: line };
  }
  const sysStart = skipBlanks(line, 0);
  const sysEnd = tokenEnd(line, sysStart);
  const typeStart = skipBlanks(line, sysEnd);
  const typeEnd = tokenEnd(line, typeStart);
  const msgStart = skipBlanks(line, typeEnd);
  if (sysEnd === sysStart) throw new CliError('ERR_CLI_BAD_LINE', 'empty line: expected sys_id msg_type msg');
  if (typeEnd === typeStart)
    throw new CliError('ERR_CLI_BAD_LINE', 'no msg_type: expected sys_id msg_type msg');
  if (msgStart >= line.length) throw new CliError('ERR_CLI_BAD_LINE', 'empty message');
  return {
    sysId: line.toString('latin1', sysStart, sysEnd),
    msgType: line.toString('latin1', typeStart, typeEnd),
    msg: line.subarray(msgStart),
  };
}

/** A level as typed (`warn`, or `4`): digits are the wire number, anything else a name. */
export function toLevel(level: string): LevelInput {
  return (/^\d+$/.test(level) ? Number(level) : level) as LevelInput;
}
