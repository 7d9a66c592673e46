// What the --follow process tests share: the producer's numbered lines, clogs-server
// processes, and waits on what the CLI says and what the servers hold.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { vi } from 'vitest';
import { countProduced, misses } from '../../../test/support/pipeline.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import type { CliProcess } from './helpers.js';

/** The producer's line format (see test/support/produce-lines.mjs): countProduced reads it back. */
const pad = 'x'.repeat(60);
export const line = (i: number) => `P${i % 8} TXT ${String(i).padStart(8, '0')} ${pad}\n`;
export const lines = (from: number, to: number) => {
  let s = '';
  for (let i = from; i < to; i++) s += line(i);
  return s;
};

/** A clogs-server process on `port` (0: any) writing under `data`; killed after the test. */
export async function startServer(
  data: string,
  cleanups: (() => Promise<void>)[],
  port = 0,
): Promise<{ server: ServerProcess; port: number; spec: string }> {
  const server = ServerProcess.start(['--port', String(port), '--data-dir', data]);
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exited;
  });
  const bound = await server.port();
  return { server, port: bound, spec: `127.0.0.1:${bound}` };
}

/** Waits until the CLI says it follows its files (the first scan is done, the state saved). */
export async function following(cli: CliProcess): Promise<void> {
  await vi.waitFor(
    () => {
      if (cli.child.exitCode !== null) throw new Error(`clogs-cli exited: ${cli.err()}`);
      if (!/following \d+ files?/.test(cli.err())) throw new Error('not following yet');
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** Waits until every producer line 0..n-1 is at the servers under `dirs` at least once. */
export async function allDelivered(
  dirs: string[],
  n: number,
  timeout = 30_000,
  cli?: CliProcess,
): Promise<Uint8Array> {
  let counts: Uint8Array = new Uint8Array(n);
  await vi.waitFor(
    async () => {
      counts = (await countProduced(dirs, n)).counts;
      const m = misses(counts);
      if (m.missingCount > 0)
        throw new Error(
          `${m.missingCount} lines not at the servers yet, first ${m.missing.join(' ')}; ${cli?.err() ?? ''}`,
        );
    },
    { timeout, interval: 50 },
  );
  return counts;
}

/**
 * A "server" on loopback that takes datagrams and never answers (frames wait for ACKs,
 * the queue fills); `serve` closes it and starts a clogs-server on its port, writing
 * under `data`.
 */
export async function muteServer(cleanups: (() => Promise<void>)[]) {
  const mute = createSocket('udp4');
  mute.bind(0, '127.0.0.1');
  await once(mute, 'listening');
  const port = mute.address().port;
  let open = true;
  cleanups.push(async () => {
    if (open) mute.close();
  });
  return {
    spec: `127.0.0.1:${port}`,
    async serve(data: string) {
      mute.close();
      open = false;
      return startServer(data, cleanups, port);
    },
  };
}
