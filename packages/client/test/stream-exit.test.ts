import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deadSpecs, ended, range, startApp, TSX, useAppFleet } from '../../../test/support/app-fleet.js';

// Apps as child processes, each logging 20,000 records through pino into client.stream()
// (the main thread) into a real clogs-server process, and ending in each way an app ends.
const APP = fileURLToPath(new URL('./fixtures/stream-app.ts', import.meta.url));
const N = 20_000;
const { run } = useAppFleet({ nodeArgs: TSX, app: APP, count: N, sys: 'STRM' });

describe('pino → client.stream(): every record of an app', () => {
  it.each([
    ['that ends by itself, without close()', 'natural', 'at-least-once', 0],
    ['that ends the stream and closes the client before process.exit()', 'exit', 'at-most-once', 0],
    ['that dies of an uncaught exception, with a handler that closes', 'uncaught', 'at-least-once', 1],
    ['stopped by SIGTERM with a handler that closes', 'sigterm', 'at-most-once', 0],
  ] as const)('%s', async (_what, mode, delivery, code) => {
    const { code: exit, app, got } = await run(mode, delivery);
    expect({ exit, drops: app.stdout.split('\n').filter((l) => l.startsWith('drop ')) }).toEqual({
      exit: code,
      drops: [],
    });
    expect(got).toEqual(range(N));
  });

  it('delivers everything around a refused line, and warns', async () => {
    const { code, app, got } = await run('refused', 'at-most-once');
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
    expect(app.stdout.split('\n').filter((l) => l.startsWith('warning '))).toEqual([
      expect.stringMatching(/^warning record refused: record is 70\d+ bytes.*\[ERR_CLIENT_BAD_RECORD\]$/),
    ]);
  });

  it('ends with every server down once the client gives up (exitTimeoutMs), and counts what it dropped', async () => {
    const startedAt = performance.now();
    const app = startApp(
      TSX,
      APP,
      ['natural', (await deadSpecs(2)).join(','), 'at-most-once', String(N), 'down'],
      {
        EXIT_MS: '1000',
      },
    );
    const { code, ms } = await ended(app, startedAt);
    expect(code).toBe(0);
    const dropped = app.stdout
      .split('\n')
      .filter((l) => l.startsWith('drop '))
      .map((l) => l.split(' '));
    expect(dropped.map(([, reason]) => reason)).toEqual(dropped.map(() => 'exit_timeout'));
    expect(dropped.reduce((n, [, , records]) => n + Number(records), 0)).toBe(N);
    expect(ms).toBeLessThan(10_000);
  });
});
