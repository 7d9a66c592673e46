/**
 * Server benchmark: records/s clogs-server takes in and writes to disk, 100-byte
 * messages in 8 KB frames from a separate sender process, at stepped offered rates,
 * with loss. In the same run, a bare dgram receiver that only counts datagrams (no
 * decoding, no writing) takes the same traffic: Node's receive ceiling on this machine.
 *
 *   pnpm --filter @clogs/bench run bench:server -- --runs 3 --seconds 2
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createServer } from 'clogs-server';
import { machineLine, median } from './machine.js';

const run = promisify(execFile);
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '2' },
    rates: { type: 'string', default: '250000,500000,1000000,1500000,2000000,0' },
  },
});
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);
const RATES = values.rates.split(',').map(Number);

interface Sent {
  frames: number;
  records: number;
  perFrame: number;
  seconds: number;
}

async function send(port: number, rate: number): Promise<Sent> {
  const args = ['--import', 'tsx', '--conditions=source', 'udp-sender.ts'];
  args.push('--port', String(port), '--rate', String(rate), '--seconds', String(SECONDS), '--frame', '8192');
  const { stdout } = await run(process.execPath, args, { cwd: import.meta.dirname });
  return JSON.parse(stdout) as Sent;
}

interface Result {
  offered: number;
  sentPerSec: number;
  /** records/s written to disk, over the sender's sending time */
  perSec: number;
  lossPct: number;
  kernelDrops: number;
  writerBehind: number;
}

/**
 * One server for the whole run, as in production (long-lived, JIT-warm); every step is
 * measured as the difference of its counters.
 */
async function ourServer() {
  const dataDir = await mkdtemp(join(tmpdir(), 'clogs-bench-'));
  const server = await createServer({ port: 0, dataDir, rollBytes: 64 * 2 ** 20 });
  return {
    async step(rate: number): Promise<Result> {
      const before = server.stats();
      const sent = await send(server.address.port, rate);
      await server.flush();
      const after = server.stats();
      const written = after.records - before.records;
      // rolled files are closed: drop them so a long run does not fill the disk
      for (const f of await readdir(join(dataDir, 'BNCH'))) {
        if (f !== 'bench.log') await rm(join(dataDir, 'BNCH', f));
      }
      return {
        offered: rate,
        sentPerSec: sent.records / sent.seconds,
        perSec: written / sent.seconds,
        lossPct: (100 * (sent.records - written)) / sent.records,
        kernelDrops: (after.kernelDrops ?? 0) - (before.kernelDrops ?? 0),
        writerBehind: after.dropped.writer_behind - before.dropped.writer_behind,
      };
    },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Node's receive ceiling: a socket that only counts datagrams. */
async function bareReceiver() {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 2 ** 20 });
  let datagrams = 0;
  socket.on('message', () => {
    datagrams++;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    async step(rate: number): Promise<Result> {
      const before = datagrams;
      const sent = await send(socket.address().port, rate);
      // let the last queued datagrams in: wait until the count stops moving
      for (let last = -1; last !== datagrams; ) {
        last = datagrams;
        await new Promise((r) => setTimeout(r, 50));
      }
      const received = (datagrams - before) * sent.perFrame;
      return {
        offered: rate,
        sentPerSec: sent.records / sent.seconds,
        perSec: received / sent.seconds,
        lossPct: (100 * (sent.records - received)) / sent.records,
        kernelDrops: sent.frames - (datagrams - before),
        writerBehind: 0,
      };
    },
    async close() {
      socket.close();
    },
  };
}

console.log(`clogs server benchmark: ${machineLine()}`);
console.log(
  `8 KB frames of 100-byte records from a separate process, ${SECONDS} s per step, ${RUNS} runs, medians\n`,
);
const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
console.log(
  'offered rec/s | sent rec/s | ours written rec/s | ours loss | drops: kernel / writer-behind | bare recv rec/s | bare loss | ours/bare',
);
const oursServer = await ourServer();
const bare = await bareReceiver();
process.stderr.write('warming up (1 step at 500k rec/s, not counted)\n');
await oursServer.step(500_000);
for (const rate of RATES) {
  const o: Result[] = [];
  const b: Result[] = [];
  for (let i = 0; i < RUNS; i++) {
    o.push(await oursServer.step(rate));
    b.push(await bare.step(rate));
  }
  const m = (rs: Result[], f: (r: Result) => number) => median(rs.map(f));
  const oursPerSec = m(o, (r) => r.perSec);
  const barePerSec = m(b, (r) => r.perSec);
  console.log(
    [
      rate === 0 ? 'flat out' : k(rate),
      k(m(o, (r) => r.sentPerSec)),
      k(oursPerSec),
      `${m(o, (r) => r.lossPct).toFixed(2)}%`,
      `${m(o, (r) => r.kernelDrops)} / ${m(o, (r) => r.writerBehind)}`,
      k(barePerSec),
      `${m(b, (r) => r.lossPct).toFixed(2)}%`,
      `${(oursPerSec / barePerSec).toFixed(2)}×`,
    ].join(' | '),
  );
  process.stderr.write(`  runs, ours loss %: ${o.map((r) => r.lossPct.toFixed(2)).join(' ')}\n`);
}
await oursServer.close();
await bare.close();
