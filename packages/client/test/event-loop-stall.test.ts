import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type ClogsClient, createClient } from '../src/index.js';
import { untilEveryServerPonged } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Holds the event loop for `ms`, as an app's long synchronous loop does. */
function holdEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the app's own work
  }
}

describe('an app that holds the event loop', () => {
  it('does not make a server that answered meanwhile look silent: PONGs and ACKs waiting in the socket are read before any verdict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-stall-'));
    // In its own process: it answers while this one is held.
    const server = ServerProcess.start(['--port', '0', '--data-dir', dir]);
    let client: ClogsClient | undefined;
    cleanups.push(async () => {
      await client?.close({ timeoutMs: 1000 });
      server.child.kill('SIGTERM');
      await server.exited;
      await rm(dir, { recursive: true, force: true });
    });
    const port = await server.port();
    // One missed PING, or one interval without an ACK, would be a verdict.
    client = createClient({
      servers: [`127.0.0.1:${port}`],
      defaults: { sysId: 'STL', msgType: 'TXT', fileName: 'app' },
      delivery: 'at-least-once',
      ping: { intervalMs: 50, failureLimit: 1 },
    });
    const downs: string[] = [];
    client.on('down', (e: { reason: string }) => downs.push(e.reason));
    await untilEveryServerPonged(client);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) client.log(`round ${round} line ${i}`);
      holdEventLoop(300);
      expect(await client.flush({ timeoutMs: 10_000 }), `round ${round} delivered`).toBe(true);
    }
    expect(downs, 'down verdicts').toEqual([]);
    expect(client.stats()).toMatchObject({ accepted: 300, acked: 300 });
  });
});
