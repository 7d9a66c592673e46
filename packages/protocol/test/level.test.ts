import { describe, expect, it } from 'vitest';
import {
  describeLevels,
  FieldError,
  LEVEL_ALIASES,
  LEVELS,
  Level,
  levelFromPino,
  levelName,
  type ProtocolError,
  parseLevel,
} from '../src/index.js';

function refusal(input: unknown): ProtocolError {
  try {
    parseLevel(input);
  } catch (err) {
    expect(err).toBeInstanceOf(FieldError);
    return err as ProtocolError;
  }
  throw new Error(`parseLevel(${String(input)}) took it`);
}

describe('the level table', () => {
  it('holds the wire levels 0..6 by name, in order', () => {
    expect(LEVELS.map((l) => [l.level, l.name])).toEqual([
      [0, 'unset'],
      [1, 'trace'],
      [2, 'debug'],
      [3, 'info'],
      [4, 'warn'],
      [5, 'error'],
      [6, 'fatal'],
    ]);
  });

  it('takes exactly the aliases the README lists', () => {
    expect(LEVEL_ALIASES).toEqual({
      silly: 1,
      verbose: 2,
      http: 3,
      notice: 3,
      warning: 4,
      err: 5,
      crit: 6,
      critical: 6,
      alert: 6,
      emerg: 6,
      panic: 6,
    });
    expect(LEVELS.flatMap((l) => l.aliases.map((a) => `${a}=${l.name}`))).toEqual([
      'silly=trace',
      'verbose=debug',
      'http=info',
      'notice=info',
      'warning=warn',
      'err=error',
      'crit=fatal',
      'critical=fatal',
      'alert=fatal',
      'emerg=fatal',
      'panic=fatal',
    ]);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(LEVELS)).toBe(true);
    expect(Object.isFrozen(LEVELS[3])).toBe(true);
    expect(Object.isFrozen(LEVEL_ALIASES)).toBe(true);
  });

  it('describes itself in words, for help texts and errors', () => {
    expect(describeLevels()).toBe(
      'trace, debug, info, warn, error, fatal, or 0..6 (0 or unset: none); ' +
        'also silly = trace, verbose = debug, http/notice = info, warning = warn, err = error, crit/critical/alert/emerg/panic = fatal',
    );
  });
});

describe('parseLevel', () => {
  it.each([
    ['unset', 0],
    ['trace', 1],
    ['debug', 2],
    ['info', 3],
    ['warn', 4],
    ['error', 5],
    ['fatal', 6],
  ])('reads the name %s as %i, in any case', (name, level) => {
    expect(parseLevel(name)).toBe(level);
    expect(parseLevel(name.toUpperCase())).toBe(level);
    expect(parseLevel(name[0]!.toUpperCase() + name.slice(1))).toBe(level);
  });

  // syslog's keywords and Python's critical, each at the nearest clogs level
  it.each([
    ['notice', Level.INFO, 'syslog notice is below warning: info'],
    ['warning', Level.WARN, 'syslog and Python warning: warn'],
    ['err', Level.ERROR, 'syslog err: error'],
    ['crit', Level.FATAL, 'syslog crit is above err: fatal'],
    ['critical', Level.FATAL, "Python's critical: fatal"],
    ['alert', Level.FATAL, 'syslog alert: fatal'],
    ['emerg', Level.FATAL, 'syslog emerg: fatal'],
    ['panic', Level.FATAL, "syslog's old name for emerg: fatal"],
  ])('reads the alias %s as %i (%s)', (alias, level, _why) => {
    expect(parseLevel(alias)).toBe(level);
    expect(parseLevel(alias.toUpperCase())).toBe(level);
  });

  it('reads the numbers 0..6 and their digits', () => {
    for (let n = 0; n <= 6; n++) {
      expect(parseLevel(n)).toBe(n);
      expect(parseLevel(String(n))).toBe(n);
    }
  });

  it.each([
    ['bogus'],
    [''],
    [' info'],
    ['info '],
    ['03'],
    ['7'],
    ['-1'],
    [7],
    [-1],
    [1.5],
    [Number.NaN],
    [null],
    [undefined],
    [{}],
  ])('refuses %o with ERR_PROTOCOL_BAD_LEVEL, listing what it takes', (input) => {
    const err = refusal(input);
    expect(err.code).toBe('ERR_PROTOCOL_BAD_LEVEL');
    expect(err.field).toBe('level');
    expect(err.message).toContain(describeLevels());
  });

  it('quotes the refused text', () => {
    expect(refusal('loud').detail).toMatch(/; not "loud"$/);
  });
});

describe('levelName', () => {
  it('names a level given by name, alias or number', () => {
    expect(levelName(3)).toBe('info');
    expect(levelName('WARNING')).toBe('warn');
    expect(levelName('crit')).toBe('fatal');
    expect(levelName('0')).toBe('unset');
    expect(() => levelName(9)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_BAD_LEVEL' }));
  });
});

describe('levelFromPino', () => {
  it.each([
    [10, Level.TRACE],
    [20, Level.DEBUG],
    [30, Level.INFO],
    [40, Level.WARN],
    [50, Level.ERROR],
    [60, Level.FATAL],
    [35, Level.INFO],
    [49.5, Level.WARN],
    [0, Level.TRACE],
    [19, Level.TRACE],
    [99, Level.FATAL],
    [Number.POSITIVE_INFINITY, Level.FATAL],
  ])('maps pino %d to %i by band', (pino, level) => {
    expect(levelFromPino(pino)).toBe(level);
  });

  it('refuses what is not a number', () => {
    expect(() => levelFromPino(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_BAD_LEVEL' }),
    );
    expect(() => levelFromPino('30' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_BAD_LEVEL' }),
    );
  });
});
