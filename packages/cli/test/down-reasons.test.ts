import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeServer } from '../../../test/support/fake-server.js';
import { ExitCode } from '../src/exit-codes.js';
import { FAST_PING, run } from './helpers.js';

// Servers that answer but cannot take records: the run says which and why, and fails.
const fakes: FakeServer[] = [];
afterEach(() => {
  for (const f of fakes.splice(0)) f.close();
});

async function fake(o: Parameters<typeof FakeServer.start>[0]): Promise<FakeServer> {
  const f = await FakeServer.start(o);
  fakes.push(f);
  return f;
}

describe('a fleet with no server that can take records', () => {
  it('only a server that cannot write: exit 75, the server and `cannot-write` named', async () => {
    const broken = await fake({ version: 2, status: 1 });
    const { code, err } = await run(
      ['-c', FAST_PING, '-s', broken.spec, '--format', 'raw', '--timeout', '1000'],
      ['one\n', 'two\n'],
    );
    expect(code).toBe(ExitCode.UNDELIVERED);
    expect(err).toMatch(
      /server fake-v2 down \(cannot-write\): says it cannot write \(PONG status CANNOT_WRITE\)/,
    );
    // Said again at the end, next to the summary a script's log keeps.
    expect(err).toMatch(
      /server fake-v2 down \(cannot-write\): it answers, but says it cannot write[^\n]*\nclogs-cli: 2 lines read, 0 sent, 0 refused, 2 undelivered \(every server down: fake-v2 cannot-write\)\n$/,
    );
    expect(broken.logs).toEqual([]);
  });

  it('only a version 1 server: exit 75, named with `version` and what to do', async () => {
    const old = await fake({ version: 1 });
    const { code, err } = await run(
      ['-c', FAST_PING, '-s', old.spec, '--format', 'raw', '--ack', '--timeout', '1500'],
      ['one\n'],
    );
    expect(code).toBe(ExitCode.UNDELIVERED);
    expect(err).toMatch(/server fake-v1 down \(version\): speaks only wire version 1: upgrade clogs-server/);
    expect(err).toMatch(
      /1 line read, 0 sent, 0 acked, 0 refused, 1 undelivered \(every server down: fake-v1 version\)\n$/,
    );
    expect(old.logs).toEqual([]);
  });

  it('a healthy server beside one that cannot write takes every line (at-most-once), exit 0', async () => {
    const broken = await fake({ version: 2, status: 1, name: 'broken' });
    const healthy = await fake({ version: 2, ack: true, name: 'healthy' });
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}\n`);
    const { code, err } = await run(
      ['-c', FAST_PING, '-s', broken.spec, '-s', healthy.spec, '--format', 'raw', '--file', 'spread'],
      lines,
    );
    expect(err).toMatch(/100 lines read, 100 sent, 0 refused\n$/);
    expect(code).toBe(ExitCode.OK);
    // Sent at-most-once: the datagrams may still be in the fake's socket when the run ends.
    await vi.waitFor(() => expect(healthy.messages.length, 'records on the healthy server').toBe(100), {
      timeout: 5000,
      interval: 5,
    });
    expect(healthy.messages.sort()).toEqual(lines.map((l) => l.trimEnd()).sort());
    expect(broken.logs).toEqual([]);
  });
});
