import { describe, expect, it } from 'vitest';
import { createClient, type RecordOptions } from '../src/index.js';
import { createTestClient } from '../src/testing/index.js';

const defaults = { sysId: 'TST', msgType: 'TXT', fileName: 'app' } as const;

/** What a refusal says, to compare the double's with the real client's. */
function refusal(log: () => void): unknown {
  try {
    log();
  } catch (err) {
    const e = err as { name: string; code: string; field?: string; reason?: string; message: string };
    return { name: e.name, code: e.code, field: e.field, reason: e.reason, message: e.message };
  }
  return 'accepted';
}

describe('@clogs/client/testing', () => {
  it('refuses exactly what the real client refuses, with the same error', async () => {
    const real = createClient({ servers: ['127.0.0.1:9'], defaults });
    const double = createTestClient({ defaults });
    const cases: [string | Uint8Array, RecordOptions | undefined][] = [
      ['ok', undefined],
      ['ok', { level: 'fatal', fileName: 'other.log' }],
      ['bad file', { fileName: '.hidden' }],
      ['long file', { fileName: 'x'.repeat(17) }],
      ['bad sys', { sysId: 'TOOLONG' }],
      ['bad charset', { msgType: 'T T' }],
      ['bad level', { level: 9 }],
      ['bad level name', { level: 'loud' as 'info' }],
      ['bad time', { timeUs: -1 }],
      ['head too long', { headLen: 100 }],
      ['x'.repeat(65_500), undefined],
      [new Uint8Array(65_400), undefined],
      [42 as unknown as string, undefined],
    ];
    const got = cases.map(([msg, options]) => refusal(() => double.log(msg, options)));
    const want = cases.map(([msg, options]) => refusal(() => real.log(msg, options)));
    await real.close({ timeoutMs: 0 });
    expect(got).toEqual(want);
    expect(got.filter((g) => g === 'accepted')).toHaveLength(3);
    expect(double.refused).toBe(10);
  });

  it('refuses a field neither the record nor the defaults give, naming it, as the real client does', async () => {
    const real = createClient({ servers: ['127.0.0.1:9'], defaults: { msgType: 'TXT' } });
    const double = createTestClient({ defaults: { msgType: 'TXT' } });
    const cases: RecordOptions[] = [{ fileName: 'app' }, { sysId: 'TST' }, { sysId: 'TST', fileName: 'app' }];
    const got = cases.map((options) => refusal(() => double.log('x', options)));
    const want = cases.map((options) => refusal(() => real.log('x', options)));
    await real.close({ timeoutMs: 0 });
    expect(got).toEqual(want);
    expect(got.slice(0, 2)).toEqual([
      expect.objectContaining({ field: 'sys_id', reason: 'ERR_PROTOCOL_BAD_CHARSET' }),
      expect.objectContaining({ field: 'file_name', reason: 'ERR_PROTOCOL_BAD_CHARSET' }),
    ]);
    expect(got[2]).toBe('accepted');
  });

  it('refuses 16 bytes sooner with a key, as the real client does', () => {
    const keyed = createTestClient({ defaults, key: Buffer.from('k') });
    const plain = createTestClient({ defaults });
    const msg = 'x'.repeat(65_491 - 19 - 3 - 3 - 3);
    expect(plain.log(msg)).toBe(true);
    expect(() => keyed.log(msg)).toThrow(
      expect.objectContaining({ reason: 'ERR_PROTOCOL_RECORD_TOO_LARGE' }),
    );
  });

  it('keeps records for assertions: records(), clear(), waitFor(n)', async () => {
    const double = createTestClient({ defaults: { ...defaults, level: 'info' } });
    const waiting = double.waitFor(3);
    double.log('one');
    double.log(Buffer.from('two'), { level: 'warn', timeUs: 1_700_000_000_000_000 });
    expect(double.records()).toHaveLength(2);
    double.log('three', { fileName: 'other', headLen: 2, reserved: Buffer.from([1, 2]) });
    const three = await waiting;
    expect(three.map((r) => [r.msg, r.level, r.fileName, r.headLen, r.reserved.toString('hex')])).toEqual([
      ['one', 3, 'app', 0, ''],
      ['two', 4, 'app', 0, ''],
      ['three', 3, 'other', 2, '0102'],
    ]);
    expect(three[1]!.timeUs).toBe(1_700_000_000_000_000);
    expect(typeof three[0]!.timeUs).toBe('number');
    double.clear();
    expect(double.records()).toEqual([]);
    await expect(double.waitFor(1, { timeoutMs: 20 })).rejects.toThrow('waited 20 ms for 1 records; 0 came');
  });

  it('works under child() and stream(), and refuses after close() as the real client does', async () => {
    const double = createTestClient({ defaults });
    double.child({ fileName: 'kid', level: 'error' }).log('from the child');
    const stream = double.stream({ fileName: 'piped' });
    stream.end('a\nb\n');
    await new Promise((resolve) => stream.on('finish', resolve));
    expect(double.records().map((r) => [r.fileName, r.level, r.msg])).toEqual([
      ['kid', 5, 'from the child'],
      ['piped', 3, 'a'],
      ['piped', 3, 'b'],
    ]);
    expect(await double.close()).toEqual({ undelivered: 0 });
    expect(() => double.log('late')).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_CLOSED' }));
  });
});

describe('the README example', () => {
  it('runs as written', async () => {
    // "your code": an app handed something to log with.
    const startApp = ({ log }: { log: { log(msg: string): boolean } }) => {
      setImmediate(() => log.log('started'));
    };
    const clogs = createTestClient({ defaults: { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' } });
    startApp({ log: clogs });
    const [first] = await clogs.waitFor(1);
    expect(first).toMatchObject({ fileName: 'app', level: 3, msg: 'started' }); // info: DEFAULT_LEVEL
    expect(() => clogs.log('x', { fileName: '../etc' })).toThrow(
      expect.objectContaining({ reason: 'ERR_PROTOCOL_BAD_CHARSET' }),
    );
    clogs.clear();
    expect(clogs.records()).toEqual([]);
  });
});
