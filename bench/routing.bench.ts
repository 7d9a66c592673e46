/**
 * Routing benchmark: ns per lookup of a key's server, ours (Continuum + RouteCache) vs
 * hashring (its ketama mode, with its own cache), in one run.
 *   cached:   1,000 keys looked up again and again (every lookup hits the cache)
 *   uncached: 200,000 distinct keys in turn, caches of 5,000 (almost every lookup is md5 + search)
 *
 *   pnpm --filter @clogs/bench run bench:routing -- --runs 5
 */
import { parseArgs } from 'node:util';
import { Continuum, ketamaHash, RouteCache } from '@clogs/client';
import HashRing from 'hashring';
import { Bench } from 'tinybench';
import { machineLine, median } from './machine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { runs: { type: 'string', default: '5' }, time: { type: 'string', default: '300' } },
});
const RUNS = Number(values.runs);
const BATCH = 1000;
const servers = Array.from({ length: 8 }, (_, i) => `log-${i}.example:7070`);
const hot = Array.from({ length: 1000 }, (_, i) => `PAY1/app-${i}`);
const cold = Array.from({ length: 200_000 }, (_, i) => `PAY1/file-${i}`);

const ring = new Continuum(servers.map((name) => ({ name, weight: 1 })));
function ours(cache: RouteCache, key: string): number {
  let index = cache.get(key);
  if (index === undefined) {
    index = ring.ownerOf(ketamaHash(key));
    cache.set(key, index);
  }
  return index;
}

let sink = 0;
const perRun = new Map<string, number[]>();
console.log(`clogs routing benchmark: ${machineLine()}`);
console.log(`${servers.length} servers, ${BATCH} lookups per iteration, ${RUNS} runs, medians\n`);
for (let run = 0; run < RUNS; run++) {
  const bench = new Bench({ time: Number(values.time), warmupTime: 100 });
  const oursHot = new RouteCache(5000);
  const oursCold = new RouteCache(5000);
  const theirsHot = new HashRing(servers);
  const theirsCold = new HashRing(servers);
  let h = 0;
  let c = 0;
  bench
    .add('cached ours', () => {
      for (let i = 0; i < BATCH; i++) sink += ours(oursHot, hot[h++ % hot.length]!);
    })
    .add('cached hashring', () => {
      for (let i = 0; i < BATCH; i++) sink += theirsHot.get(hot[h++ % hot.length]!).length;
    })
    .add('uncached ours', () => {
      for (let i = 0; i < BATCH; i++) sink += ours(oursCold, cold[c++ % cold.length]!);
    })
    .add('uncached hashring', () => {
      for (let i = 0; i < BATCH; i++) sink += theirsCold.get(cold[c++ % cold.length]!).length;
    });
  await bench.run();
  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw new Error(`${task.name}: ${task.result.state}`);
    perRun.set(task.name, [...(perRun.get(task.name) ?? []), (task.result.latency.p50 * 1e6) / BATCH]);
  }
}
for (const kind of ['cached', 'uncached']) {
  const o = median(perRun.get(`${kind} ours`)!);
  const t = median(perRun.get(`${kind} hashring`)!);
  console.log(
    `${kind.padEnd(9)} ours ${o.toFixed(0).padStart(5)} ns/lookup   hashring ${t.toFixed(0).padStart(5)} ns/lookup   ours is ${(t / o).toFixed(2)}× faster`,
  );
}
if (sink === -1) console.log(sink);
