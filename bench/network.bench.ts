/**
 * The client across a network that is not loopback's: through the lossy link (a
 * userspace netem, test/support/lossy-link.ts) in its own process, into a clogs-server
 * process at its defaults (ACK after write), over a grid of round trips × loss rates ×
 * frame sizes × delivery modes; plus a server that never ACKs. Each cell offers N
 * records as fast as the client takes them (waiting for 'drain'), then closes the
 * client; throughput is records delivered (counted by the server) over the time from
 * the first log() to close() resolving.
 *
 *   pnpm --filter @clogs/bench run bench:network -- --records 1000000
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@clogs/client';
import { startLink } from '../test/support/link-process.js';
import { ServerProcess } from '../test/support/server-process.js';
import { machineLine } from './machine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    records: { type: 'string', default: '1000000' },
    rtt: { type: 'string', default: '0.2,5,50' },
    loss: { type: 'string', default: '0,0.01,0.05' },
    frames: { type: 'string', default: '8192,1432' },
    modes: { type: 'string', default: 'at-most-once,at-least-once' },
  },
});
const N = Number(values.records);
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);

interface Cell {
  perSec: number;
  deliveredPct: number;
  undelivered: number;
  /** Frames the client sent again (at-least-once): on a loss-free path, each one is spurious. */
  resent: number;
  /** Datagrams the server's socket dropped, full (the server's `kernelDrops`). */
  kernelDrops: number;
  seconds: number;
}

async function cell(
  rttMs: number | undefined,
  loss: number,
  frame: number,
  delivery: 'at-most-once' | 'at-least-once',
  serverArgs: string[] = [],
): Promise<Cell> {
  const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-net-'));
  const server = ServerProcess.start(['--port', '0', '--data-dir', dir, ...serverArgs]);
  const port = await server.port();
  // rttMs undefined: straight to the server, no link. 0.2: the link with no added delay
  // (the relay's own hop is the round trip's 0.1–0.3 ms).
  const link =
    rttMs === undefined
      ? undefined
      : await startLink(port, [
          '--delay',
          String(rttMs <= 0.2 ? 0 : rttMs / 2),
          '--loss',
          String(loss),
          '--seed',
          '11',
        ]);
  const client = createClient({
    servers: [`127.0.0.1:${link?.port ?? port} far`],
    defaults: { sysId: 'NET', msgType: 'TXT', fileName: 'bench' },
    maxDatagramBytes: frame,
    delivery,
  });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    if (!client.log(MSG)) await once(client, 'drain');
    else if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const { undelivered } = await client.close({ timeoutMs: 120_000 });
  const seconds = (performance.now() - started) / 1000;
  const resent = client.stats().servers[0]?.framesResent ?? 0;
  // At-most-once, close() resolves once the frames are handed to the network: some are
  // still crossing the link or waiting in the server's socket. Counted once they land
  // (the server's count unchanged for half a second).
  let last = -1;
  for (let still = 0; still < 10; ) {
    const seen = server.stderr.length;
    server.child.kill('SIGUSR1');
    await server.until(() => server.stderr.indexOf('\n', seen) > 0, 'the stats line');
    const records = Number(/"records":(\d+)/.exec(server.stderr.slice(seen))?.[1]);
    still = records === last ? still + 1 : 0;
    last = records;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await link?.stop();
  server.child.kill('SIGTERM');
  await server.exited;
  const stats = JSON.parse(/clogs-server stopped (\{.*\})/.exec(server.stderr)?.[1] ?? '{"records":0}') as {
    records: number;
    kernelDrops?: number;
  };
  rmSync(dir, { recursive: true, force: true });
  return {
    perSec: stats.records / seconds,
    deliveredPct: (100 * stats.records) / N,
    undelivered,
    resent,
    kernelDrops: stats.kernelDrops ?? 0,
    seconds,
  };
}

console.log(`clogs network benchmark: ${machineLine()}`);
console.log(`${N} records of 100 bytes offered per cell; server at its defaults (ACK after write)\n`);
const rtts = values.rtt.split(',').map(Number);
const losses = values.loss.split(',').map(Number);
const frames = values.frames.split(',').map(Number);
const modes = values.modes.split(',') as ('at-most-once' | 'at-least-once')[];
console.log(
  '| frame | mode | RTT ms | loss each way | records/s | delivered | undelivered (client) | frames resent | socket drops |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const frame of frames) {
  for (const mode of modes) {
    for (const rtt of rtts) {
      for (const loss of losses) {
        const c = await cell(rtt, loss, frame, mode);
        console.log(
          `| ${frame} | ${mode} | ${rtt} | ${(loss * 100).toFixed(0)}% | ${(c.perSec / 1000).toFixed(0)}k | ${c.deliveredPct.toFixed(2)}% | ${c.undelivered} | ${c.resent} | ${c.kernelDrops} |`,
        );
      }
    }
  }
}
console.log('\nloopback, no link, 8 KB at-most-once: a server that ACKs beside one that never does');
const acking = await cell(undefined, 0, 8192, 'at-most-once');
const silent = await cell(undefined, 0, 8192, 'at-most-once', ['--fault-no-ack']);
for (const [name, c] of [
  ['ACKing server', acking],
  ['never-ACKing server (open loop)', silent],
] as const) {
  console.log(
    `  ${name.padEnd(34)} ${(c.perSec / 1000).toFixed(0)}k records/s, ${c.deliveredPct.toFixed(2)}% delivered`,
  );
}
console.log(`  ratio never-ACKing / ACKing: ${(silent.perSec / acking.perSec).toFixed(2)}`);
