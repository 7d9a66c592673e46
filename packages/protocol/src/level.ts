import { FieldError } from './errors.js';

/** Record levels, as the wire's level byte holds them. 0 means "not set". */
export const Level = Object.freeze({
  UNSET: 0,
  TRACE: 1,
  DEBUG: 2,
  INFO: 3,
  WARN: 4,
  ERROR: 5,
  FATAL: 6,
} as const);
export type Level = (typeof Level)[keyof typeof Level];
/**
 * The level of a record whose sender names none: the client's `defaults.level` when not
 * given, and so the CLI's `--level`. One default, here with the table, so a record from
 * the client's quick start and one from `clogs-cli` carry the same level. (The wire's
 * own default stays 0, "not set": the encoder writes what it is given.)
 */
export const DEFAULT_LEVEL: Level = Level.INFO;

/** Level names indexed by level number, lower case (`LEVEL_NAMES[3] === 'info'`). */
export const LEVEL_NAMES = Object.freeze([
  'unset',
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
] as const);
export type LevelName = (typeof LEVEL_NAMES)[number];
export const MAX_LEVEL = Level.FATAL;

/**
 * Other names for a level, taken so that what people type elsewhere works here:
 * syslog's keywords (`logger -p`, RFC 5424), npm's (winston's default set) and Python's
 * `critical`. Each maps to the nearest level: clogs has nothing between error and fatal,
 * nor between info and warn.
 */
export const LEVEL_ALIASES = Object.freeze({
  /** npm (winston): below debug. */
  silly: Level.TRACE,
  /** npm (winston): between info and debug. */
  verbose: Level.DEBUG,
  /** npm (winston): between info and verbose. */
  http: Level.INFO,
  /** syslog: normal but significant; below warning. */
  notice: Level.INFO,
  /** syslog and Python. */
  warning: Level.WARN,
  /** syslog. */
  err: Level.ERROR,
  /** syslog: critical conditions, above err. */
  crit: Level.FATAL,
  /** Python's highest level. */
  critical: Level.FATAL,
  /** syslog: action must be taken immediately. */
  alert: Level.FATAL,
  /** syslog: the system is unusable. */
  emerg: Level.FATAL,
  /** syslog's old name for emerg. */
  panic: Level.FATAL,
} as const satisfies Record<string, Level>);
export type LevelAlias = keyof typeof LEVEL_ALIASES;

/** What {@link parseLevel} takes: a name or alias (any case), or a number 0..6. */
export type LevelInput =
  | LevelName
  | LevelAlias
  | Uppercase<LevelName | LevelAlias>
  | `${Level}`
  | Level
  | number;

/** One row of {@link LEVELS}. */
export interface LevelInfo {
  level: Level;
  name: LevelName;
  /** The aliases that mean this level. */
  aliases: readonly LevelAlias[];
}

/** The level table: every level, its name and its aliases; the one source of them all. */
export const LEVELS: readonly LevelInfo[] = Object.freeze(
  LEVEL_NAMES.map((name, level) =>
    Object.freeze({
      level: level as Level,
      name,
      aliases: Object.freeze(
        (Object.keys(LEVEL_ALIASES) as LevelAlias[]).filter((a) => LEVEL_ALIASES[a] === level),
      ),
    }),
  ),
);

// Lower-case names, aliases and the digits 0..6; built once from the table.
const BY_TEXT = new Map<string, Level>();
for (const { level, name, aliases } of LEVELS) {
  BY_TEXT.set(name, level);
  BY_TEXT.set(String(level), level);
  for (const alias of aliases) BY_TEXT.set(alias, level);
}

/**
 * The levels in words, made from the table, for help texts and errors:
 * `trace, debug, info, warn, error, fatal, or 0..6 (0 or unset: none); also notice = info, ...`.
 */
export function describeLevels(): string {
  const names = LEVELS.filter((l) => l.level !== Level.UNSET).map((l) => l.name);
  const aliases = LEVELS.filter((l) => l.aliases.length > 0).map((l) => `${l.aliases.join('/')} = ${l.name}`);
  return `${names.join(', ')}, or 0..${MAX_LEVEL} (0 or unset: none); also ${aliases.join(', ')}`;
}

/**
 * The level a name, an alias (any case) or a number 0..6 (or its digit) stands for:
 * `parseLevel('WARNING') === Level.WARN`.
 * @throws {FieldError} `ERR_PROTOCOL_BAD_LEVEL` for anything else, listing what is taken.
 */
export function parseLevel(input: unknown): Level {
  if (typeof input === 'number') {
    if (Number.isInteger(input) && input >= 0 && input <= MAX_LEVEL) return input as Level;
  } else if (typeof input === 'string') {
    const level = BY_TEXT.get(input) ?? BY_TEXT.get(input.toLowerCase());
    if (level !== undefined) return level;
  }
  const shown = typeof input === 'string' ? `"${input}"` : String(input);
  throw new FieldError('ERR_PROTOCOL_BAD_LEVEL', `level must be one of ${describeLevels()}; not ${shown}`, {
    field: 'level',
  });
}

/** The name of a level given in any form {@link parseLevel} takes: `levelName('crit') === 'fatal'`. */
export function levelName(level: LevelInput): LevelName {
  return LEVEL_NAMES[parseLevel(level)];
}

/**
 * A pino level (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal) as a clogs
 * level, by band: a custom level between two of pino's takes the lower one (35 is info),
 * below 20 is trace, 60 and above fatal.
 * @throws {FieldError} `ERR_PROTOCOL_BAD_LEVEL` for a value that is not a number.
 */
export function levelFromPino(value: number): Level {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new FieldError('ERR_PROTOCOL_BAD_LEVEL', `a pino level is a number, not ${String(value)}`, {
      field: 'level',
    });
  }
  if (value < 20) return Level.TRACE;
  if (value >= 60) return Level.FATAL;
  return Math.floor(value / 10) as Level;
}
