import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { range, useAppFleet } from '../../../test/support/app-fleet.js';

// The transport hands its options to @clogs/client, whose frame budget on loopback is
// 8,192 bytes: the README must say so, and a real app must get it.
const APP = fileURLToPath(new URL('./fixtures/pino-app.mjs', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const N = 2_000;
const app = useAppFleet({
  nodeArgs: [],
  app: APP,
  count: N,
  sys: 'PINO',
  build: ['protocol', 'etcd', 'client', 'pino'],
});

describe('maxDatagramBytes of @clogs/pino', () => {
  it("the README's default is the client's: 8,192 on loopback, else 1,432", async () => {
    const row = (await readFile(README, 'utf8'))
      .split('\n')
      .find((l) => l.startsWith('| `maxDatagramBytes`'));
    expect(row, 'the option row').toBeDefined();
    expect(row).toMatch(/8,192 on loopback, else 1,432/);
  });

  it('a pino app logging to a loopback server sends frames of more than 1,432 bytes', async () => {
    const { code, got } = await app.run('natural', 'at-least-once', { file: 'frames' });
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
    const server = app.fleet.servers[0]!;
    const seen = server.stderr.length;
    server.child.kill('SIGUSR1');
    await server.until(() => server.stderr.indexOf('\n', seen) > 0, 'the stats line');
    const stats = JSON.parse(/clogs-server stats (.*)\n/.exec(server.stderr.slice(seen))![1]!);
    // A record here is about 120 bytes with its header: 1,432-byte frames hold 11, 8,192-byte ones 60+.
    expect(
      stats.records / stats.frames,
      `records a frame (${stats.records} in ${stats.frames})`,
    ).toBeGreaterThan(30);
  });
});
