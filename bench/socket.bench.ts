/**
 * Socket benchmark: what a datagram costs the sender on a connected UDP socket and on an
 * unconnected one (the destination named on every send, as the client's shared socket
 * does for servers past its connected ones), at the client's two usual frame sizes,
 * into a receiver in another process that counts. Sender CPU time (process.cpuUsage)
 * per datagram, sends in bursts of 32 with the event loop yielded between, the two
 * kinds alternated round by round; medians.
 *
 *   pnpm --filter @clogs/bench run bench:socket -- --runs 5
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { machineLine, median } from './machine.js';
import { receiver } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { runs: { type: 'string', default: '5' }, datagrams: { type: 'string', default: '50000' } },
});
const RUNS = Number(values.runs);
const N = Number(values.datagrams);
/** Records of 100 bytes (as in the client benchmark) in a full frame of each size. */
const RECORDS = new Map([
  [1432, 12],
  [8192, 78],
]);

/** Sends N datagrams in bursts of 32; resolves with the sender's CPU ns per datagram once every callback came. */
async function cost(send: (done: () => void) => void): Promise<number> {
  const cpu = process.cpuUsage();
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const ack = () => {
      if (++done === N) resolve();
    };
    const burst = () => {
      for (let k = 0; k < 32 && sent < N; k++, sent++) send(ack);
      if (sent < N) setImmediate(burst);
    };
    burst();
  });
  const d = process.cpuUsage(cpu);
  return ((d.user + d.system) * 1000) / N;
}

console.log(`clogs socket benchmark: ${machineLine()}`);
console.log(`${N} datagrams per round, ${RUNS} rounds, medians of sender CPU ns per datagram\n`);
const r = await receiver('lines');
const connected: Socket = createSocket('udp4');
connected.connect(r.port, '127.0.0.1');
await once(connected, 'connect');
const unconnected: Socket = createSocket('udp4');
unconnected.bind(0);
await once(unconnected, 'listening');
for (const [size, records] of RECORDS) {
  const datagram = Buffer.alloc(size, 0x20);
  const kinds = {
    connected: (done: () => void) => connected.send(datagram, done),
    unconnected: (done: () => void) => unconnected.send(datagram, r.port, '127.0.0.1', done),
  };
  const ns: Record<string, number[]> = { connected: [], unconnected: [] };
  for (let run = 0; run < RUNS; run++) {
    const order =
      run % 2 === 0 ? (['connected', 'unconnected'] as const) : (['unconnected', 'connected'] as const);
    for (const kind of order) ns[kind]!.push(await cost(kinds[kind]));
  }
  const c = median(ns.connected!);
  const u = median(ns.unconnected!);
  console.log(
    `  ${String(size).padStart(5)} B: connected ${c.toFixed(0).padStart(5)} ns, unconnected ${u.toFixed(0).padStart(5)} ns; ` +
      `difference ${(u - c).toFixed(0)} ns a datagram, ${((u - c) / records).toFixed(1)} ns a record (${records} of 100 B a frame)`,
  );
}
connected.close();
unconnected.close();
await r.stop();
