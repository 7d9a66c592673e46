import { type Level, levelName, parseLevel } from '@clogs/protocol';
import { unescapeMessage } from './line-escape.js';
import { parseSource, type Sealed } from './line-source.js';

const SPACE = 0x20;

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
  /** Lines written with attribution: where the datagram came from and how it was sealed. */
  source?: { address: string; port: number; sealed: Sealed };
}

/**
 * Parses one line (without its LF) back into the record's fields; the message comes
 * back byte for byte. Returns `undefined` for a line not in this format.
 */
export function parseLine(line: Buffer): ParsedLine | undefined {
  const fields: Buffer[] = [];
  let at = 0;
  let want = 6;
  while (fields.length < want) {
    const space = line.indexOf(SPACE, at);
    if (space < 0) return undefined;
    fields.push(line.subarray(at, space));
    at = space + 1;
    // after the time, a level starts with a capital letter; anything else is a source
    if (fields.length === 2) {
      const first = fields[1]![0];
      if (first === undefined || first < 0x41 || first > 0x5a) want = 7;
    }
  }
  let source: ParsedLine['source'];
  if (fields.length === 7) {
    source = parseSource(fields.splice(1, 1)[0]!.toString('latin1'));
    if (source === undefined) return undefined;
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
  const msg = unescapeMessage(line.subarray(at));
  if (msg === undefined) return undefined;
  const parsed: ParsedLine = {
    timeUs,
    level: level as Level,
    sysId: sys.toString('latin1'),
    msgType: type.toString('latin1'),
    headLen: Number(h),
    reserved: r === '-' ? Buffer.alloc(0) : Buffer.from(r, 'hex'),
    msg,
  };
  if (source !== undefined) parsed.source = source;
  return parsed;
}
