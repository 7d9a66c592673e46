/** The head of a pino line: its level number and time. */
export interface PinoHead {
  /** pino's level number; -1 when the line does not start with one. */
  level: number;
  /** µs since the epoch; -1 when the line has no time right after its level. */
  timeUs: number;
}

const LEVEL_KEY = '{"level":';
const TIME_KEY = ',"time":';

function digitsEnd(line: string, at: number): number {
  let i = at;
  for (let c = line.charCodeAt(i); c >= 48 && c <= 57; c = line.charCodeAt(++i));
  return i;
}

/** Digits up to this many add up exactly in a double; longer ones go through Number(). */
const EXACT_DIGITS = 15;

/** The value of the digits from `at` to `end`, read in place (no substring, no Number()). */
function digitsValue(line: string, at: number, end: number): number {
  if (end - at > EXACT_DIGITS) return Number(line.slice(at, end));
  let n = 0;
  for (let i = at; i < end; i++) n = n * 10 + (line.charCodeAt(i) - 48);
  return n;
}

/** Epoch ms or seconds (see {@link pinoTimeUs}) as µs. */
function epochUs(n: number): number {
  return Math.round(n < 1e11 ? n * 1e6 : n * 1e3);
}

/**
 * A pino time as µs: epoch ms (the default), epoch seconds (`unixTime`), or an ISO
 * string (`isoTime`, quotes included); -1 when it is none of these.
 */
export function pinoTimeUs(time: string): number {
  if (time === '') return -1;
  if (time.charCodeAt(0) === 34) {
    const ms = Date.parse(time.slice(1, -1));
    return Number.isNaN(ms) ? -1 : ms * 1000;
  }
  const n = Number(time);
  if (!Number.isFinite(n) || n < 0) return -1;
  // 1e11 ms is 1973, 1e11 s the year 5138: a number below it is seconds.
  return epochUs(n);
}

/**
 * Reads the level and time from the start of a line as pino writes it by default
 * (`{"level":30,"time":1700000000000,...`) without parsing the rest. A line laid out
 * otherwise (formatters, another logger) gets `level` -1: parse it if you need it.
 * Fills `into`, so a reader allocates nothing per line; returns whether a level was read.
 */
export function readPinoHead(line: string, into: PinoHead): boolean {
  into.level = -1;
  into.timeUs = -1;
  if (!line.startsWith(LEVEL_KEY)) return false;
  const levelEnd = digitsEnd(line, LEVEL_KEY.length);
  if (levelEnd === LEVEL_KEY.length) return false;
  into.level = digitsValue(line, LEVEL_KEY.length, levelEnd);
  if (!line.startsWith(TIME_KEY, levelEnd)) return true;
  const at = levelEnd + TIME_KEY.length;
  if (line.charCodeAt(at) === 34) {
    const end = line.indexOf('"', at + 1) + 1;
    if (end > at) into.timeUs = pinoTimeUs(line.slice(at, end));
    return true;
  }
  // Read in place, not through a substring and Number(): this runs for every line.
  const end = digitsEnd(line, at);
  if (end > at) into.timeUs = epochUs(digitsValue(line, at, end));
  return true;
}
