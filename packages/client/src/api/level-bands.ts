import { Level } from '@clogs/protocol';

/*
 * How other loggers' levels become clogs levels: the one table the stream and the pino
 * and winston transports map through.
 */

/** pino's numbers by band, highest first: a number at or above a floor gets that level. */
const PINO_BANDS: readonly (readonly [floor: number, level: Level])[] = [
  [60, Level.FATAL],
  [50, Level.ERROR],
  [40, Level.WARN],
  [30, Level.INFO],
  [20, Level.DEBUG],
  [1, Level.TRACE],
];

/** Level names: clogs' and pino's own, winston's npm set, and the syslog set (RFC 5424). */
const NAMED = new Map<string, Level>([
  ['unset', Level.UNSET],
  ['trace', Level.TRACE],
  ['debug', Level.DEBUG],
  ['info', Level.INFO],
  ['warn', Level.WARN],
  ['error', Level.ERROR],
  ['fatal', Level.FATAL],
  // npm (winston's default)
  ['silly', Level.TRACE],
  ['verbose', Level.DEBUG],
  ['http', Level.INFO],
  // syslog
  ['notice', Level.INFO],
  ['warning', Level.WARN],
  ['crit', Level.FATAL],
  ['alert', Level.FATAL],
  ['emerg', Level.FATAL],
]);

/** A pino level number (trace 10 … fatal 60, custom levels by band) as a clogs level; 0 (unset) below 1. */
export function levelFromPino(n: number): Level {
  for (const [floor, level] of PINO_BANDS) if (n >= floor) return level;
  return Level.UNSET;
}

/** A level name (clogs, pino, npm or syslog set) as a clogs level; undefined for a name none of them has. */
export function levelFromName(name: string): Level | undefined {
  return NAMED.get(name);
}
