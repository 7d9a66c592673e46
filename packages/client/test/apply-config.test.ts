import { afterEach, describe, expect, it } from 'vitest';
import { type ClogsClient, createClient } from '../src/index.js';

let c: ClogsClient | undefined;
afterEach(async () => {
  await c?.close({ timeoutMs: 100 });
  c = undefined;
});

const live = {
  sysId: 'APP',
  msgType: 'TXT',
  fileName: 'app',
  level: 2,
  route: 'file' as const,
  flushIntervalMs: 5,
  onFull: 'drop-newest' as const,
};

describe('applyConfig(): configuration pushed, never written into', () => {
  it('refuses a bad value whole, with ERR_CLIENT_BAD_OPTION, and the defaults stand', () => {
    c = createClient({ servers: ['127.0.0.1:7'], defaults: { sysId: 'OLD', msgType: 'TXT', fileName: 'f' } });
    const bad = [
      { flushIntervalMs: -1 },
      { flushIntervalMs: 1.5 },
      { level: 7 },
      { onFull: 'drop-all' },
      { route: 'server' },
      { sysId: 42 },
    ];
    for (const change of bad) {
      expect(() => c!.applyConfig({ ...live, ...change } as never), JSON.stringify(change)).toThrow(
        expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }),
      );
    }
    // Nothing of a refused change applied: a record without a sysId still takes the old default.
    expect(() => c!.log('kept')).not.toThrow();
  });

  it('hands the new defaults to log(): a record without fields takes them from the next call on', () => {
    c = createClient({ servers: ['127.0.0.1:7'] });
    expect(() => c!.log('no sysId yet'), 'no default sysId before the config').toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_BAD_RECORD' }),
    );
    c.applyConfig(live);
    expect(() => c!.log('now it has one')).not.toThrow();
    expect(c.stats().accepted).toBe(1);
  });
});
