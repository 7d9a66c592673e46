// Fail fast: when every server is down for a reason the client gave, clogs-cli ends at
// that verdict with exit 75, not at --timeout; --wait-for-servers waits as before.
// Real processes: clogs-cli and clogs-server, real UDP on loopback.
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { producerCommand, shellPipeline, summaryLine } from '../../../test/support/pipeline.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { FAST_PING, startCli, tally, useFleet } from './helpers.js';

const { cleanups, fleet } = useFleet();

/** --timeout 30 s: a run that ends before 15 s did not wait for it. */
const TIMEOUT = ['--timeout', '30000'];
const WELL_UNDER_TIMEOUT_MS = 15_000;

/** A loopback UDP port nothing listens on (bound to learn a free one, then closed): ICMP port unreachable. */
async function deadPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

async function keyFile(secret: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-fail-fast-keys-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'clogs.key');
  await writeFile(path, `${secret}\n`);
  return path;
}

describe('every server down: exit 75 at the verdict, not at --timeout', () => {
  it('one-shot to a port nothing listens on (default pings): the reason named, exit 75 long before --timeout 30 s', async () => {
    const port = await deadPort();
    const started = performance.now();
    const cli = startCli(['-s', `127.0.0.1:${port} dead`, ...TIMEOUT, 'PAY1', 'TXT', 'lost'], { cleanups });
    const { code, err } = await cli.exited;
    const elapsed = performance.now() - started;
    expect(err).toContain(`clogs-cli: server dead down (refused): nothing listens at 127.0.0.1:${port}`);
    expect(err).toContain(
      'clogs-cli: every server is down (dead refused): nothing can be delivered; giving up now, not at --timeout (--wait-for-servers waits)\n',
    );
    expect(summaryLine(err)).toBe(
      'clogs-cli: 1 line read, 0 sent, 0 refused, 1 undelivered (every server down: dead refused)',
    );
    expect(code, err).toBe(75);
    expect(elapsed, 'ended before --timeout 30 s could have passed').toBeLessThan(WELL_UNDER_TIMEOUT_MS);
  }, 30_000);

  it.each([
    ['the wrong key: no PONG', async () => ['--key-file', await keyFile('another secret')], 'no-pong'],
    ['--ack into a server that ACKs nothing', async () => ['--ack'], 'no-ack'],
  ])(
    'pipe mode, %s: every line counted undelivered with the reason, exit 75 before --timeout',
    async (_what, flags, reason) => {
      const serverKey = reason === 'no-pong' ? ['--key-file', await keyFile('the fleet secret')] : [];
      const f = await fleet(1, reason === 'no-ack' ? ['--fault-no-ack'] : serverKey);
      const started = performance.now();
      const run = shellPipeline(producerCommand(['fast', '200']), [
        '-s',
        f.specs[0]!,
        '-c',
        FAST_PING,
        ...TIMEOUT,
        ...(await flags()),
      ]);
      const { code, stderr } = await run.exited;
      const elapsed = performance.now() - started;
      expect(stderr).toContain(`clogs-cli: server s0 down (${reason}): `);
      expect(stderr).toContain(`clogs-cli: every server is down (s0 ${reason}): nothing can be delivered`);
      expect(summaryLine(stderr)).toMatch(
        new RegExp(
          `^clogs-cli: 200 lines read, 0 sent(, 0 acked)?, 0 refused, 200 undelivered \\(every server down: s0 ${reason}\\)$`,
        ),
      );
      expect(code, stderr).toBe(75);
      expect(elapsed, 'ended before --timeout 30 s could have passed').toBeLessThan(WELL_UNDER_TIMEOUT_MS);
      if (reason === 'no-pong') {
        await f.stop();
        expect([...(await tally(f.dirs)).keys()], 'no line reached the keyed server').toEqual([]);
      }
    },
    30_000,
  );

  it('--wait-for-servers: the server down for the first pings, started late on that port, still gets the record: exit 0', async () => {
    const port = await deadPort();
    const cli = startCli(
      [
        '-s',
        `127.0.0.1:${port} late`,
        '-c',
        FAST_PING,
        '--ack',
        '--wait-for-servers',
        ...TIMEOUT,
        'PAY1',
        'TXT',
        'waited',
      ],
      { cleanups },
    );
    // The verdict came, and the run goes on.
    await waitFor(
      () => cli.err().includes('clogs-cli: server late down (refused)'),
      () => cli.err(),
    );
    const dir = await mkdtemp(join(tmpdir(), 'clogs-fail-fast-late-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const server = ServerProcess.start(['--port', String(port), '--host', '127.0.0.1', '--data-dir', dir]);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    expect(await server.port()).toBe(port);
    const { code, err } = await cli.exited;
    expect(err).not.toContain('every server is down');
    expect(code, err).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect([...(await tally([dir])).entries()]).toEqual([['waited', 1]]);
  }, 30_000);
});

/** Polls `test` on a short interval until it holds; fails after 15 s with `show()`. */
async function waitFor(test: () => boolean, show: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out; output: ${show()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
