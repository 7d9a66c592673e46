import { describe, expect, it } from 'vitest';
import { type PinoHead, pinoTimeUs, readPinoHead } from '../src/api/pino-line.js';

const head = (line: string): PinoHead & { read: boolean } => {
  const into: PinoHead = { level: 0, timeUs: 0 };
  const read = readPinoHead(line, into);
  return { read, ...into };
};

describe('readPinoHead', () => {
  it('reads level and time in place, as Number() would read them', () => {
    for (const [level, time] of [
      [30, 1_765_000_000_123],
      [10, 0],
      [60, 1_700_000_000],
      [35, 99_999_999_999],
      [100_000, 100_000_000_000],
      [0, 8_640_000_000_000_000],
    ] as const) {
      const line = `{"level":${level},"time":${time},"msg":"m"}`;
      expect(head(line), line).toEqual({ read: true, level, timeUs: pinoTimeUs(String(time)) });
    }
    expect(head('{"level":30,"time":1765000000123,"msg":"m"}').timeUs).toBe(1_765_000_000_123_000);
    expect(head('{"level":30,"time":1700000000,"msg":"m"}').timeUs).toBe(1_700_000_000_000_000);
  });

  it('reads past 15 digits through Number(), and stops at a fraction as before', () => {
    const long = '12345678901234567890';
    expect(head(`{"level":30,"time":${long}}`).timeUs).toBe(Math.round(Number(long) * 1e3));
    expect(head(`{"level":${long},"time":1}`).level).toBe(Number(long));
    expect(head('{"level":30,"time":1700000000.75}').timeUs).toBe(1_700_000_000_000_000);
  });

  it('reads ISO times, and leaves out what is not pino’s default layout', () => {
    const iso = '2026-12-07T20:00:00.123Z';
    expect(head(`{"level":40,"time":"${iso}","msg":"m"}`)).toEqual({
      read: true,
      level: 40,
      timeUs: Date.parse(iso) * 1000,
    });
    expect(head('{"level":40,"time":"2026-12-07')).toEqual({ read: true, level: 40, timeUs: -1 });
    expect(head('{"level":40,"time":"not a date"}')).toEqual({ read: true, level: 40, timeUs: -1 });
    expect(head('{"level":40,"time":-5}')).toEqual({ read: true, level: 40, timeUs: -1 });
    expect(head('{"level":40,"msg":"no time"}')).toEqual({ read: true, level: 40, timeUs: -1 });
    expect(head('{"level":"info","time":1}')).toEqual({ read: false, level: -1, timeUs: -1 });
    expect(head('{"time":1,"level":30}')).toEqual({ read: false, level: -1, timeUs: -1 });
    expect(head('plain text')).toEqual({ read: false, level: -1, timeUs: -1 });
  });
});
