/**
 * Client benchmark, ours and peers in one run:
 *
 * 1. log() cost on the caller: ns per call of a 100-byte message, route lookup and
 *    encoding included (sending happens after the timed loop), beside hot-shots'
 *    increment() (buffered, 8 KB) and a JSON record sent with one dgram.send each.
 * 2. End to end: records/s delivered to a receiver in another process, and loss.
 *    Ours goes to a real clogs-server (decode + write to disk), at-most-once and
 *    at-least-once, 1,432 B and 8,192 B frames; the peers go to a bare receiver that
 *    only counts lines. Every sender is driven flat out: the client's own pacing and
 *    backpressure (log() false → wait for drain) are what keep it loss-free.
 *
 *   pnpm --filter @clogs/bench run bench:client -- --runs 3
 *   pnpm --filter @clogs/bench run bench:client -- --runs 3 --caller-only   (1. alone)
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ClientOptions, createClient } from '@clogs/client';
import StatsD from 'hot-shots';
import { loadLine, machineLine, median } from './machine.js';
import { type Mode, receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    records: { type: 'string', default: '1000000' },
    'peer-records': { type: 'string', default: '300000' },
    'bytes-per-ms': { type: 'string' },
    'frames-per-ms': { type: 'string' },
    only: { type: 'string' },
    'caller-only': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.records);
const PEER_N = Number(values['peer-records']);
const WARM = 100_000;
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const pace = { bytesPerMs: num(values['bytes-per-ms']), framesPerMs: num(values['frames-per-ms']) };
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const STAT = `pay1.app.${'x'.repeat(86)}`; // "<stat>:1|c" = 100 bytes
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' };
const HOT_SHOTS = 'hot-shots increment() 8 KB';
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));

// --- 1. caller cost ---------------------------------------------------------

/**
 * On-CPU time of this thread, ns (Linux schedstat; wall time elsewhere): what another
 * process taking the core does not add to.
 */
const onCpu: () => number = existsSync(`/proc/self/task/${process.pid}/schedstat`)
  ? () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[0])
  : () => Number(process.hrtime.bigint());

interface CallerCase {
  name: string;
  body: () => void;
  after: () => Promise<unknown>;
}

/**
 * The cases take turns within every round (the order rotating), so each round's ratio
 * to hot-shots compares calls made within a second of each other: a slow spell of the
 * machine falls on both sides of a ratio.
 */
async function callerCost(): Promise<Record<string, { wall: number[]; cpu: number[] }>> {
  const CALLS = 200_000;
  const ROUNDS = 5;
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const port = sink.address().port;
  sink.on('message', () => {});
  // ours needs a receiver that answers pings and ACKs, or it would hold back and park
  const server = await receiver('count');
  const cases: CallerCase[] = [];
  const clients = [1432, 8192].map((max) => {
    const client = createClient({ servers: [`127.0.0.1:${server.port}`], defaults, maxDatagramBytes: max });
    cases.push({
      name: `clogs log() ${max} B`,
      body: () => {
        for (let i = 0; i < CALLS; i++) client.log(MSG);
      },
      after: () => client.flush({ timeoutMs: 30_000 }),
    });
    return client;
  });
  const statsd = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 8192, bufferFlushInterval: 5 });
  cases.push({
    name: HOT_SHOTS,
    body: () => {
      for (let i = 0; i < CALLS; i++) statsd.increment(STAT);
    },
    after: () => new Promise((res) => setTimeout(res, 10)), // its 5 ms flush timer
  });
  const udp = createSocket('udp4');
  udp.connect(port, '127.0.0.1');
  await once(udp, 'connect');
  const rec = { ...defaults, level: 3, msg: MSG, timeUs: 0 };
  cases.push({
    name: 'JSON + dgram.send per record',
    body: () => {
      for (let i = 0; i < CALLS; i++) {
        rec.timeUs = Date.now() * 1000;
        udp.send(JSON.stringify(rec));
      }
    },
    after: yieldLoop,
  });
  const out: Record<string, { wall: number[]; cpu: number[] }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(k + r) % cases.length]!;
      const cpu = onCpu();
      const t = process.hrtime.bigint();
      c.body();
      const wall = Number(process.hrtime.bigint() - t) / CALLS;
      out[c.name] ??= { wall: [], cpu: [] };
      const o = out[c.name]!;
      o.wall.push(wall);
      o.cpu.push((onCpu() - cpu) / CALLS);
      await c.after();
    }
  }
  for (const client of clients) await client.close();
  await server.stop();
  statsd.close();
  udp.close();
  sink.close();
  return out;
}

// --- 2. end to end -------------------------------------------------------------

interface Delivery {
  perSec: number;
  lossPct: number;
  kernelDrops: number;
  serverDrops: number;
}

/** Sends `n` records as fast as the sender goes; resolves once they are handed over. */
type Sender = { send(n: number): Promise<void>; close(): Promise<void> | void };

/**
 * One measurement: a fresh receiver, warmed up by WARM records (a log server is
 * long-lived; a cold one runs its first second unoptimised), then N records timed from
 * the first send to the last datagram in.
 */
async function measure(mode: Mode, make: (port: number) => Promise<Sender>, n: number) {
  const r = await receiver(mode);
  const sender = await make(r.port);
  await sender.send(WARM);
  const base = await settle(r, WARM);
  const started = process.hrtime.bigint();
  await sender.send(n);
  const s = await settle(r, base.records + n);
  await sender.close();
  await r.stop();
  const got = s.records - base.records;
  return {
    perSec: got / (Number(BigInt(s.lastAt) - started) / 1e9),
    lossPct: (100 * (n - got)) / n,
    kernelDrops: s.kernelDrops - base.kernelDrops,
    serverDrops: (s.serverDrops ?? 0) - (base.serverDrops ?? 0),
  };
}

function ours(options: Partial<ClientOptions>, to: Mode = 'clogs ack-after-write'): () => Promise<Delivery> {
  return () =>
    measure(
      to,
      async (port) => {
        const client = createClient({ servers: [`127.0.0.1:${port}`], defaults, pace, ...options });
        return {
          async send(n) {
            for (let i = 0; i < n; i++) {
              if (!client.log(MSG)) await once(client, 'drain');
              else if (i % 1000 === 999) await yieldLoop();
            }
            await client.flush({ timeoutMs: 60_000 });
          },
          close: () => client.close().then(() => undefined),
        };
      },
      N,
    );
}

// Every sender's loop yields every 1,000 records, as an app's event loop would (and the
// peers, which have no flow control of their own, would lose most of a burst otherwise).
function hotShots(): Promise<Delivery> {
  return measure(
    'lines',
    async (port) => {
      const statsd = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 8192, bufferFlushInterval: 5 });
      return {
        async send(n) {
          for (let i = 0; i < n; i++) {
            statsd.increment(STAT);
            if (i % 1000 === 999) await yieldLoop();
          }
          await new Promise((res) => setTimeout(res, 10)); // its 5 ms flush timer
        },
        close: () => statsd.close(),
      };
    },
    PEER_N,
  );
}

function perRecord(): Promise<Delivery> {
  return measure(
    'lines',
    async (port) => {
      const udp = createSocket('udp4');
      udp.connect(port, '127.0.0.1');
      await once(udp, 'connect');
      const rec = { ...defaults, level: 3, msg: MSG, timeUs: 0 };
      return {
        async send(n) {
          for (let i = 0; i < n; i++) {
            rec.timeUs = Date.now() * 1000;
            udp.send(JSON.stringify(rec));
            if (i % 1000 === 999) await yieldLoop();
          }
        },
        close: () => void udp.close(),
      };
    },
    PEER_N,
  );
}

// --- run ---------------------------------------------------------------------

console.log(`clogs client benchmark: ${machineLine()}, load ${loadLine()}`);
console.log(`100-byte messages; ${RUNS} runs, medians\n`);
const costs: Record<string, { wall: number[]; cpu: number[] }> = {};
for (let run = 0; run < (values.only === undefined ? RUNS : 0); run++) {
  for (const [k, v] of Object.entries(await callerCost())) {
    costs[k] ??= { wall: [], cpu: [] };
    const c = costs[k]!;
    c.wall.push(...v.wall);
    c.cpu.push(...v.cpu);
  }
}
if (values.only === undefined) {
  console.log('log() cost on the caller (200,000 calls a round, 5 rounds per run, the cases taking turns):');
  console.log(`  ${''.padEnd(30)} ${'wall'.padStart(6)} ${'on-CPU'.padStart(7)} ns/call (median of rounds)`);
  for (const [k, v] of Object.entries(costs))
    console.log(
      `  ${k.padEnd(30)} ${median(v.wall).toFixed(0).padStart(6)} ${median(v.cpu).toFixed(0).padStart(7)}`,
    );
  // hot-shots / ours, round by round: how many log() calls one increment() costs
  const hs = costs[HOT_SHOTS]!;
  const perRound = (a: number[], b: number[]) => {
    const r = a.map((x, i) => x / b[i]!);
    return `${median(r).toFixed(2)}× (rounds ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
  };
  console.log('  hot-shots increment() / log(), round by round (wall; on-CPU):');
  for (const max of [1432, 8192]) {
    const ours = costs[`clogs log() ${max} B`]!;
    console.log(`    ${max} B: ${perRound(hs.wall, ours.wall)}; ${perRound(hs.cpu, ours.cpu)}`);
  }
}

if (values['caller-only']) process.exit(0);
const cases: [string, () => Promise<Delivery>][] = [
  ['clogs AMO 8 KB → server', ours({ maxDatagramBytes: 8192 })],
  ['clogs AMO 8 KB → server, early ACK', ours({ maxDatagramBytes: 8192 }, 'clogs ack-on-arrival')],
  ['clogs ALO 8 KB → server', ours({ maxDatagramBytes: 8192, delivery: 'at-least-once' })],
  ['clogs AMO 1,432 B → server', ours({ maxDatagramBytes: 1432 })],
  ['clogs ALO 1,432 B → server', ours({ maxDatagramBytes: 1432, delivery: 'at-least-once' })],
  ['clogs AMO 8 KB → counter', ours({ maxDatagramBytes: 8192 }, 'count')],
  ['hot-shots 8 KB → counter', hotShots],
  ['dgram per record → counter', perRecord],
];
console.log(
  `\nend to end, records/s from the first send to the last datagram in (ours: ${N} records; peers: ${PEER_N}):`,
);
const results = new Map<string, Delivery>();
for (const [name, run] of cases) {
  if (values.only !== undefined && !name.includes(values.only)) continue;
  const rs: Delivery[] = [];
  for (let i = 0; i < RUNS; i++) rs.push(await run());
  const d = {
    perSec: median(rs.map((r) => r.perSec)),
    lossPct: Math.max(...rs.map((r) => r.lossPct)),
    kernelDrops: Math.max(...rs.map((r) => r.kernelDrops)),
    serverDrops: Math.max(...rs.map((r) => r.serverDrops)),
  };
  results.set(name, d);
  const runs = rs.map((r) => `${(r.perSec / 1000).toFixed(0)}k/${r.lossPct.toFixed(2)}%`).join(' ');
  console.log(
    `  ${name.padEnd(36)} ${(d.perSec / 1000).toFixed(0).padStart(6)}k rec/s  worst loss ${d.lossPct.toFixed(2)}%  drops: kernel ${d.kernelDrops} server ${d.serverDrops}  (runs ${runs})`,
  );
}
if (values.only !== undefined) process.exit(0);
const rate = (name: string) => results.get(name)!.perSec;
const ratio = (a: string, b: string) => `${(rate(a) / rate(b)).toFixed(2)}×`;
console.log(`load at the end: ${loadLine()}`);
console.log(`
ratios (medians):
  same kind of receiver (counts only): ours / hot-shots ${ratio('clogs AMO 8 KB → counter', 'hot-shots 8 KB → counter')}, ours / dgram per record ${ratio('clogs AMO 8 KB → counter', 'dgram per record → counter')}
  ours into clogs-server (decodes, writes to disk) / peers into the counter: / hot-shots ${ratio('clogs AMO 8 KB → server', 'hot-shots 8 KB → counter')}, / dgram per record ${ratio('clogs AMO 8 KB → server', 'dgram per record → counter')}
  at-least-once / at-most-once at 8 KB into clogs-server: ${ratio('clogs ALO 8 KB → server', 'clogs AMO 8 KB → server')}`);
