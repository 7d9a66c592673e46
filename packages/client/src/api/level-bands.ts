import { Level, parseLevel, levelFromPino as protocolLevelFromPino } from '@clogs/protocol';

/*
 * How other loggers' levels become clogs levels, through @clogs/protocol's level table
 * (its names and aliases: clogs', syslog's, npm's; pino's numbers by band). The stream
 * and the pino and winston transports map through these two.
 */

/** A pino level number (trace 10 … fatal 60, custom levels by band) as a clogs level; 0 (unset) below 1. */
export function levelFromPino(n: number): Level {
  return n >= 1 ? protocolLevelFromPino(n) : Level.UNSET;
}

/** A level name (clogs, pino, npm or syslog set, any case) as a clogs level; undefined for a name none of them has. */
export function levelFromName(name: string): Level | undefined {
  try {
    return parseLevel(name);
  } catch {
    return undefined;
  }
}
