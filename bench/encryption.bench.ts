/**
 * Encryption benchmark: what sealing costs end to end and on the caller.
 *
 * 1. End to end: records/s from the first log() to the last record in at a real
 *    clogs-server in another process (decodes, opens sealed frames, writes every line,
 *    ACKs after the write), plaintext against ChaCha20-Poly1305 and AES-256-GCM, at
 *    1,432-byte and 8,192-byte frames. The cases take turns within each run, so a slow
 *    spell of the machine falls on all of them; medians of the runs, and each run's ratio
 *    to plaintext of the same frame size.
 * 2. log() cost on the caller, with a key and without: sealing is on the send path (once
 *    per frame, after the loop), so the two must match.
 *
 *   pnpm --filter @clogs/bench run bench:encryption -- --runs 5
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type ClientOptions, createClient } from '@clogs/client';
import { machineLine, median } from './machine.js';
import { type Mode, receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '5' },
    records: { type: 'string', default: '300000' },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.records);
const WARM = 50_000;
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' };
const yieldLoop = () => new Promise((resolve) => setImmediate(resolve));
let key: Buffer;
do key = randomBytes(32);
while (new Set(key).size < 16);

type Cipher = 'plaintext' | 'chacha20-poly1305' | 'aes-256-gcm';
const sealing = (c: Cipher): Partial<ClientOptions> => (c === 'plaintext' ? {} : { key, cipher: c });

/** CPU time (user + system) of a process so far, µs, from /proc (Linux). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (100/s)
}

/** One measurement: a fresh server (with the key when sealed), warmed up, then N records timed. */
async function endToEnd(cipher: Cipher, maxDatagramBytes: number, mode: Mode = 'clogs ack-after-write') {
  const r = await receiver(mode, undefined, cipher === 'plaintext' ? undefined : key);
  const client = createClient({
    servers: [`127.0.0.1:${r.port}`],
    defaults,
    maxDatagramBytes,
    ...sealing(cipher),
  });
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      if (!client.log(MSG)) await once(client, 'drain');
      else if (i % 1000 === 999) await yieldLoop();
    }
    await client.flush({ timeoutMs: 60_000 });
  };
  await send(WARM);
  const base = await settle(r, WARM);
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const serverCpu0 = cpuOf(r.pid);
  await send(N);
  const s = await settle(r, base.records + N);
  const cpu = process.cpuUsage(cpu0);
  const serverCpu = cpuOf(r.pid) - serverCpu0;
  await client.close();
  await r.stop();
  const got = s.records - base.records;
  return {
    perSec: got / (Number(BigInt(s.lastAt) - started) / 1e9),
    lost: N - got,
    // CPU per record moves far less than wall time when other work takes the cores
    clientUs: (cpu.user + cpu.system) / got,
    serverUs: serverCpu / got,
  };
}

/** ns per log() call, 200,000 calls × 5 rounds, with the server answering (sealed when keyed). */
async function callerCost(cipher: Cipher, maxDatagramBytes: number): Promise<number> {
  const CALLS = 200_000;
  const r = await receiver('clogs ack-on-arrival', undefined, cipher === 'plaintext' ? undefined : key);
  const client = createClient({
    servers: [`127.0.0.1:${r.port}`],
    defaults,
    maxDatagramBytes,
    ...sealing(cipher),
  });
  await client.flush({ timeoutMs: 10_000 });
  const ns: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) client.log(MSG);
    ns.push(Number(process.hrtime.bigint() - t) / CALLS);
    await client.flush({ timeoutMs: 30_000 });
  }
  await client.close();
  await r.stop();
  return median(ns);
}

const ciphers: Cipher[] = ['plaintext', 'chacha20-poly1305', 'aes-256-gcm'];
const sizes = [1432, 8192];
console.log(`clogs encryption benchmark: ${machineLine()}`);
console.log(`100-byte messages, ${N} records per measurement, ${RUNS} runs (cases in turn), medians\n`);

const rates = new Map<string, number[]>();
const ratios = new Map<string, number[]>();
const losses = new Map<string, number>();
const cpus = new Map<string, { client: number[]; server: number[] }>();
for (let run = 0; run < RUNS; run++) {
  for (const size of sizes) {
    let plain = 0;
    for (const c of ciphers) {
      const name = `${c} ${size} B`;
      const m = await endToEnd(c, size);
      rates.set(name, [...(rates.get(name) ?? []), m.perSec]);
      losses.set(name, Math.max(losses.get(name) ?? 0, m.lost));
      const cu = cpus.get(name) ?? { client: [], server: [] };
      cu.client.push(m.clientUs);
      cu.server.push(m.serverUs);
      cpus.set(name, cu);
      if (c === 'plaintext') plain = m.perSec;
      else ratios.set(name, [...(ratios.get(name) ?? []), m.perSec / plain]);
    }
  }
}
console.log('end to end into clogs-server (ACK after write), records/s:');
for (const [name, v] of rates) {
  const ratio = ratios.get(name);
  const r =
    ratio === undefined
      ? ''
      : `  ×${median(ratio).toFixed(2)} of plaintext (runs ${ratio.map((x) => x.toFixed(2)).join(' ')})`;
  console.log(
    `  ${name.padEnd(26)} ${(median(v) / 1000).toFixed(0).padStart(6)}k  (runs ${v.map((x) => (x / 1000).toFixed(0)).join(' ')}; worst lost ${losses.get(name)})${r}`,
  );
}

console.log(
  '\nCPU time per record, µs (medians): client (this process) + server (its process) = total, and against plaintext:',
);
const total = (name: string) => median(cpus.get(name)!.client) + median(cpus.get(name)!.server);
for (const name of rates.keys()) {
  const cu = cpus.get(name)!;
  const plain = total(`plaintext ${name.split(' ').at(-2)} B`);
  console.log(
    `  ${name.padEnd(26)} ${median(cu.client).toFixed(2)} + ${median(cu.server).toFixed(2)} = ${total(name).toFixed(2)} µs  (records per CPU-second ×${(plain / total(name)).toFixed(2)} of plaintext)`,
  );
}

console.log(
  '\nlog() cost on the caller, ns/call (median of 5 rounds of 200,000 calls, per run; median of runs):',
);
for (const size of sizes) {
  for (const c of ciphers) {
    const v: number[] = [];
    for (let run = 0; run < RUNS; run++) v.push(await callerCost(c, size));
    console.log(
      `  ${`${c} ${size} B`.padEnd(26)} ${median(v).toFixed(0).padStart(6)} ns  (runs ${v.map((x) => x.toFixed(0)).join(' ')})`,
    );
  }
}
