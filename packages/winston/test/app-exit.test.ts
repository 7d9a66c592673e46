import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deadSpecs, ended, range, startApp, TSX, useAppFleet } from '../../../test/support/app-fleet.js';

// Apps as child processes, each logging 20,000 records through winston and
// @clogs/winston into a real clogs-server process, and ending in each way an app ends.
const APP = fileURLToPath(new URL('./fixtures/winston-app.ts', import.meta.url));
const N = 20_000;
const apps = useAppFleet({ nodeArgs: TSX, app: APP, count: N, sys: 'WINS' });

describe('winston → @clogs/winston: every record of an app', () => {
  it.each([
    ['that ends by itself, without logger.end()', 'natural', 'at-most-once', 0],
    ['that ends the logger, then calls process.exit() on finish', 'exit', 'at-least-once', 0],
    ['that dies of an uncaught exception (handleExceptions)', 'uncaught', 'at-most-once', 1],
    ['stopped by SIGTERM with a handler that ends the logger', 'sigterm', 'at-least-once', 0],
  ] as const)('%s', async (_what, mode, delivery, code) => {
    const { code: exit, app, got } = await apps.run(mode, delivery);
    expect({
      exit,
      complaints: app.stderr.split('\n').filter((l) => l.startsWith('@clogs/winston')),
    }).toEqual({
      exit: code,
      complaints: [],
    });
    expect(got).toEqual(range(N));
    if (mode === 'uncaught') {
      const all = await apps.fleet.messages('WINS', 'uncaught-amo');
      expect(all.filter((m) => m.includes('boom: not caught'))).toHaveLength(1);
    }
  });

  it('delivers everything around a refused record, and warns through the logger', async () => {
    const { code, app, got } = await apps.run('refused', 'at-most-once');
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
    expect(app.stdout.split('\n').filter((l) => l.startsWith('warn '))).toEqual([
      expect.stringMatching(
        /^warn record refused: record is 70\d+ bytes; a datagram holds at most 65491 after the header \[ERR_CLIENT_BAD_RECORD\]$/,
      ),
    ]);
  });

  it('ends within its close deadline with every server down, and counts what it could not deliver', async () => {
    const startedAt = performance.now();
    const app = startApp(
      TSX,
      APP,
      ['end', (await deadSpecs(2)).join(','), 'at-least-once', String(N), 'down'],
      {
        CLOSE_MS: '1500',
      },
    );
    const { code, ms } = await ended(app, startedAt);
    expect(code).toBe(0);
    expect(app.stderr).toContain(
      `@clogs/winston: closed: ${N} records taken, 0 refused, ${N} not delivered (${N} closed)`,
    );
    expect(app.stdout).toContain(`closed {"undelivered":${N},"refused":0,`);
    // The app's own start (tsx) and one give-up of the drain wait (1 s) come before the deadline.
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThan(10_000);
  });
});
