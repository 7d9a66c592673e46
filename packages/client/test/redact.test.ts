import { describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { lines, startFleet, useFleet } from './helpers.js';

const t = useFleet();
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' } as const;

async function sent(redact: object | undefined, msgs: (string | Uint8Array)[], headLen?: number) {
  t.fleet = await startFleet(1, { flushMs: 60_000 });
  t.client = createClient({
    servers: t.fleet.specs,
    defaults,
    delivery: 'at-least-once',
    ...(redact === undefined ? {} : { redact }),
  });
  for (const m of msgs) t.client.log(m, headLen === undefined ? undefined : { headLen });
  expect(await t.client.flush({ timeoutMs: 10_000 })).toBe(true);
  await t.fleet.servers[0]!.flush();
  return lines(t.fleet.dirs[0]!, 'PAY1', 'app');
}

describe('redact: card numbers masked in log(), before the wire', () => {
  it("by default, in strings and bytes; the caller's bytes untouched", async () => {
    const bytes = Buffer.from('bytes 5555-5555-5555-4444 \xff', 'latin1');
    const out = await sent(undefined, ['pan=4111111111111111 café', bytes]);
    expect(out.map((l) => l.msg.toString('latin1'))).toEqual([
      Buffer.from('pan=411111******1111 café').toString('latin1'),
      'bytes 5555-55**-****-4444 \xff',
    ]);
    expect(bytes.toString('latin1')).toContain('5555-5555-5555-4444');
  });

  it('custom patterns too, and head_len stays right: masking changes no byte count', async () => {
    const out = await sent({ pan: true, patterns: [/secret=\S+/] }, ['HEADé secret=ünï 4111111111111111'], 6);
    expect(out[0]).toMatchObject({ headLen: 6 });
    expect(out[0]!.msg.toString()).toBe('HEADé ************ 411111******1111');
  });

  it('redact: { pan: false } sends card numbers as logged', async () => {
    const out = await sent({ pan: false }, ['pan=4111111111111111']);
    expect(out.map((l) => l.msg.toString())).toEqual(['pan=4111111111111111']);
  });

  it('refuses a bad redact option with ERR_CLIENT_BAD_OPTION', () => {
    for (const redact of ['pan', { pan: 'yes' }, { patterns: ['4111'] }, { patterns: /x/ }]) {
      expect(() => createClient({ servers: ['127.0.0.1:7'], redact: redact as never })).toThrow(
        expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }),
      );
    }
  });
});
