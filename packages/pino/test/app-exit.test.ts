import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deadSpecs, ended, range, startApp, useAppFleet } from '../../../test/support/app-fleet.js';

// Apps as child processes, each logging 20,000 records through pino.transport() into a
// real clogs-server process, and ending in each way an app ends. pino's worker loads
// the built package (as a user's does), so it is built first if its dist is stale.
const APP = fileURLToPath(new URL('./fixtures/pino-app.mjs', import.meta.url));
const N = 20_000;
const { run } = useAppFleet({
  nodeArgs: [],
  app: APP,
  count: N,
  sys: 'PINO',
  build: ['protocol', 'etcd', 'client', 'pino'],
});

describe.each(['at-most-once', 'at-least-once'] as const)(
  'pino → @clogs/pino (%s): every record of an app',
  (delivery) => {
    it.each([
      ['that ends by itself', 'natural', 0],
      ['that calls process.exit() once the transport is ready', 'exit-ready', 0],
      ['that calls process.exit() before the worker is ready', 'exit-early', 0],
      ['that dies of an uncaught exception', 'uncaught', 1],
      ['stopped by SIGTERM with a handler that exits', 'sigterm', 0],
    ])('%s', async (_what, mode, code) => {
      const { code: exit, app, got } = await run(mode as string, delivery);
      expect({ exit, complaints: app.stderr.split('\n').filter((l) => l.startsWith('@clogs/pino')) }).toEqual(
        {
          exit: code,
          complaints: [],
        },
      );
      expect(got).toEqual(range(N));
    });
  },
);

describe('pino → @clogs/pino', () => {
  it('delivers everything around a refused line, and says so', async () => {
    const { code, app, got } = await run('refused', 'at-most-once');
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
    expect(app.stderr).toContain('@clogs/pino: record refused: record is 70');
    expect(app.stderr).toMatch(
      /record refused: record is 70\d+ bytes; a datagram holds at most 65491 after the header \[ERR_CLIENT_BAD_RECORD\]\n/,
    );
    expect(app.stderr).toContain(`@clogs/pino: closed: ${N} records taken, 1 refused, 0 not delivered`);
  });

  it('loads as a target given by path (the ESM build)', async () => {
    const target = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const { code, got } = await run('natural', 'at-most-once', { env: { TARGET: target }, file: 'by-path' });
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
  });

  it("forwards the client's events to the main thread", async () => {
    const [dead] = await deadSpecs(1);
    const startedAt = performance.now();
    const app = startApp([], APP, ['await-down', dead!, 'at-most-once', '10', 'events'], { CLOSE_MS: '500' });
    const { code } = await ended(app, startedAt);
    expect(code).toBe(0);
    expect(app.stdout).toMatch(
      /^event down \{"server":"dead-0","reason":"refused","message":"nothing listens at 127\.0\.0\.1:\d+/m,
    );
  });

  it('ends within its close deadline, not pino’s 10 s, with every server down, and counts what it could not deliver', async () => {
    const startedAt = performance.now();
    const app = startApp(
      [],
      APP,
      ['natural', (await deadSpecs(2)).join(','), 'at-least-once', String(N), 'down'],
      {
        CLOSE_MS: '2000',
      },
    );
    const { code, ms } = await ended(app, startedAt);
    expect(code).toBe(0);
    expect(app.stderr).toContain(
      `@clogs/pino: closed: ${N} records taken, 0 refused, ${N} not delivered (${N} closed)`,
    );
    expect(app.stderr).not.toContain('took too long');
    expect(ms).toBeLessThan(10_000);
  });
});
