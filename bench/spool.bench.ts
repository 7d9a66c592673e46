/**
 * Disk spool cost (see packages/client/README.md, Disk spool), in one run:
 *
 * 1. log() on the caller, ns per record of 100 bytes, with no spool and with each
 *    `fsync` policy (the records go to the spool's segment file inside log() or at the
 *    flush tick; sending happens after the timed loop).
 * 2. End to end at-least-once into clogs-server (ACK after its write) in another
 *    process: records/s and the sender's CPU µs per record, the producer waiting for
 *    'drain' as the README shows; the spool's folder on the machine's temporary disk.
 *
 *   pnpm --filter @clogs/bench run bench:spool -- --runs 3 --records 300000
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ClientOptions, createClient, type SpoolFsync } from '@clogs/client';
import { machineLine, median } from './machine.js';
import { receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    records: { type: 'string', default: '300000' },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.records);
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' };
const CASES: (SpoolFsync | 'none')[] = ['none', 'never', 'segment', 'flush'];

async function withSpool<T>(policy: SpoolFsync | 'none', body: (o: Partial<ClientOptions>) => Promise<T>) {
  if (policy === 'none') return body({});
  const dir = await mkdtemp(join(tmpdir(), 'clogs-spool-bench-'));
  try {
    return await body({ spool: { dir, fsync: policy, maxBytes: 4 * 2 ** 30 } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** ns per log() call, records left to be sent after the loop. */
async function callerCost(port: number, policy: SpoolFsync | 'none'): Promise<number> {
  const CALLS = 100_000;
  return withSpool(policy, async (extra) => {
    const client = createClient({
      servers: [`127.0.0.1:${port}`],
      defaults,
      delivery: 'at-least-once',
      ...extra,
    });
    const t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) client.log(MSG);
    const ns = Number(process.hrtime.bigint() - t) / CALLS;
    await client.close({ timeoutMs: 60_000 });
    return ns;
  });
}

/** records/s and sender CPU µs per record, at-least-once, waiting for drain. */
async function endToEnd(policy: SpoolFsync | 'none'): Promise<{ rate: number; cpuUs: number }> {
  const server = await receiver('clogs ack-after-write');
  try {
    return await withSpool(policy, async (extra) => {
      const client = createClient({
        servers: [`127.0.0.1:${server.port}`],
        defaults,
        delivery: 'at-least-once',
        maxDatagramBytes: 8192,
        ...extra,
      });
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < N; i++) {
        if (!client.log(MSG)) await new Promise((resolve) => client.once('drain', resolve));
      }
      await client.flush({ timeoutMs: 120_000 });
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      await client.close();
      const got = await settle(server, N);
      if (got.records < N) throw new Error(`${policy}: ${got.records} of ${N} records arrived`);
      return { rate: (N / ms) * 1000, cpuUs: (used.user + used.system) / N };
    });
  } finally {
    await server.stop();
  }
}

/** This disk's fsync: median µs of a 128 KiB write and its fsync, what fsync 'flush' does per flush. */
async function fsyncUs(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-spool-bench-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(128 * 1024, 1);
  const us: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    writeSync(fd, block);
    fsyncSync(fd);
    us.push((performance.now() - t) * 1000);
  }
  closeSync(fd);
  await rm(dir, { recursive: true, force: true });
  return median(us);
}

const caller = Object.fromEntries(CASES.map((c) => [c, [] as number[]]));
const e2e = Object.fromEntries(CASES.map((c) => [c, { rate: [] as number[], cpu: [] as number[] }]));
const sink = await receiver('clogs ack-on-arrival');
const probe = await fsyncUs();
// A warm-up round, not counted: the first case would otherwise pay for the JIT.
for (const policy of CASES) await callerCost(sink.port, policy);
for (let r = 0; r < RUNS; r++) {
  // Alternating order: a slow spell of the machine falls on every case alike.
  for (const policy of r % 2 === 0 ? CASES : [...CASES].reverse()) {
    caller[policy]!.push(await callerCost(sink.port, policy));
    const { rate, cpuUs } = await endToEnd(policy);
    const e = e2e[policy]!;
    e.rate.push(rate);
    e.cpu.push(cpuUs);
  }
}
await sink.stop();

const spread = (v: number[]) => `${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)}`;
console.log(machineLine());
console.log(`${RUNS} runs, ${N} records end to end; medians (spread)`);
console.log(`this disk: a 128 KiB write + fsync takes ${probe.toFixed(0)} µs (median of 30)\n`);
console.log('| spool (fsync) | log() ns/record | at-least-once records/s | sender CPU µs/record |');
console.log('|---|---:|---:|---:|');
for (const policy of CASES) {
  const c = caller[policy]!;
  const e = e2e[policy]!;
  const name = policy === 'none' ? 'no spool' : `spool, fsync '${policy}'`;
  console.log(
    `| ${name} | ${median(c).toFixed(0)} (${spread(c)}) | ${median(e.rate).toFixed(0)} (${spread(e.rate)}) | ${median(e.cpu).toFixed(2)} |`,
  );
}
