/**
 * log() of two checkouts, A and B, in one process: the way to see a change of 10% in
 * log() on a machine where one run can be twice as slow as the next. Each checkout's
 * @clogs/client is loaded from its sources (with its own @clogs/protocol); rounds of
 * 100,000 calls take turns, A, B, then hot-shots' increment() (the order of A and B
 * swapped every round), each round timed by this thread's on-CPU time (Linux schedstat)
 * and by the wall clock. Ratios are taken round by round, so a slow spell falls on both
 * sides; the first 2 rounds are warm-up.
 *
 *   git archive <commit> | tar -x -C /tmp/a && (cd /tmp/a && pnpm install --frozen-lockfile --offline)
 *   node --import tsx --conditions=source log-ab.ts --a /tmp/a --max 1432 --rounds 16
 */
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import StatsD from 'hot-shots';
import { loadLine, machineLine, median } from './machine.js';
import { receiver } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: join(import.meta.dirname, '..') },
    max: { type: 'string', default: '1432' },
    rounds: { type: 'string', default: '16' },
  },
});
if (values.a === undefined) {
  console.error('usage: log-ab.ts --a <checkout> [--b <checkout>] [--max 1432] [--rounds 16]');
  process.exit(64);
}
const MAX = Number(values.max);
const ROUNDS = Number(values.rounds);
const WARM_ROUNDS = 2;
const CALLS = 100_000;
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const STAT = `pay1.app.${'x'.repeat(86)}`; // "<stat>:1|c" = 100 bytes
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' };
const schedstat = `/proc/self/task/${process.pid}/schedstat`;
const onCpu: () => number = existsSync(schedstat)
  ? () => Number(readFileSync(schedstat, 'latin1').split(' ')[0])
  : () => Number(process.hrtime.bigint());

type Client = {
  log(msg: string): boolean;
  flush(o: { timeoutMs: number }): Promise<boolean>;
  close(): Promise<unknown>;
};
type ClientModule = { createClient(o: object): Client };
const load = (tree: string): Promise<ClientModule> =>
  import(resolve(tree, 'packages', 'client', 'src', 'index.ts'));
const trees = { A: resolve(values.a), B: resolve(values.b) };
const modules = { A: await load(trees.A), B: await load(trees.B) };

const server = await receiver('count');
const sink = createSocket('udp4');
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
sink.on('message', () => {});
const clients = {
  A: modules.A.createClient({ servers: [`127.0.0.1:${server.port}`], defaults, maxDatagramBytes: MAX }),
  B: modules.B.createClient({ servers: [`127.0.0.1:${server.port}`], defaults, maxDatagramBytes: MAX }),
};
const statsd = new StatsD({
  host: '127.0.0.1',
  port: sink.address().port,
  maxBufferSize: 8192,
  bufferFlushInterval: 5,
});

type Side = 'A' | 'B' | 'H';
const cpu: Record<Side, number[]> = { A: [], B: [], H: [] };
const wall: Record<Side, number[]> = { A: [], B: [], H: [] };
console.log(`log-ab: ${machineLine()}, load ${loadLine()}`);
console.log(
  `A = ${trees.A}\nB = ${trees.B}\n${MAX}-byte frames, 100-byte messages, ${ROUNDS} rounds of ${CALLS} calls\n`,
);
for (let r = 0; r < ROUNDS; r++) {
  for (const side of (r % 2 === 0 ? ['A', 'B', 'H'] : ['B', 'A', 'H']) as Side[]) {
    const c0 = onCpu();
    const t0 = process.hrtime.bigint();
    if (side === 'H') for (let i = 0; i < CALLS; i++) statsd.increment(STAT);
    else {
      const client = clients[side];
      for (let i = 0; i < CALLS; i++) client.log(MSG);
    }
    wall[side].push(Number(process.hrtime.bigint() - t0) / CALLS);
    cpu[side].push((onCpu() - c0) / CALLS);
    if (side === 'H')
      await new Promise((res) => setTimeout(res, 10)); // its 5 ms flush timer
    else await clients[side].flush({ timeoutMs: 30_000 });
  }
}
const kept = (xs: number[]) => xs.slice(WARM_ROUNDS);
const ratio = (a: number[], b: number[]) => {
  const r = kept(a).map((x, i) => x / kept(b)[i]!);
  return `${median(r).toFixed(3)} (rounds ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
};
for (const [what, t] of [
  ['on-CPU', cpu],
  ['wall', wall],
] as const) {
  const ns = (s: Side) => `${median(kept(t[s])).toFixed(0)} (min ${Math.min(...kept(t[s])).toFixed(0)})`;
  console.log(`${what} ns/call, median of rounds: A ${ns('A')}, B ${ns('B')}, hot-shots ${ns('H')}`);
  console.log(`  B / A ${ratio(t.B, t.A)}`);
  console.log(`  hot-shots / A ${ratio(t.H, t.A)}, hot-shots / B ${ratio(t.H, t.B)}`);
}
console.log(`load at the end: ${loadLine()}`);
await clients.A.close();
await clients.B.close();
statsd.close();
sink.close();
await server.stop();
