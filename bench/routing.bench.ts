/**
 * Routing benchmark, ours beside hashring in one run.
 * Lookups: ns per lookup of a key's server, ours (Continuum + RouteCache.route, as the
 * client does) vs hashring (its ketama mode, with its own cache).
 *   cached:   1,000 keys looked up again and again (every lookup hits the cache)
 *   uncached: 200,000 distinct keys in turn, caches of 5,000 (almost every lookup is md5 + search)
 * Rebuilds: ms to rebuild the continuum when one server of N leaves or comes back
 * (N = 10, 100, 1,000, 5,000): before (every point hashed and comparison-sorted, the
 * client's first build), after (the client's build: the change merged into the
 * previous continuum), after a weight change (every digest count changes: a full
 * radix-sorted build from the previous continuum's points), and hashring's remove()/add(). Then the
 * refill: µs to route 4,096 known keys again after a change (retire() vs clear()).
 *
 *   pnpm --filter @clogs/bench run bench:routing -- --runs 5 [--only lookup|rebuild]
 */
import { parseArgs } from 'node:util';
import { Continuum, KetamaPoints, RouteCache } from '@clogs/client';
import HashRing from 'hashring';
import { Bench } from 'tinybench';
import { referenceContinuum } from '../test/support/reference-continuum.js';
import { machineLine, median } from './machine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '5' },
    time: { type: 'string', default: '300' },
    only: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const BATCH = 1000;
const servers = Array.from({ length: 8 }, (_, i) => `log-${i}.example:7070`);
const hot = Array.from({ length: 1000 }, (_, i) => `PAY1/app-${i}`);
const cold = Array.from({ length: 200_000 }, (_, i) => `PAY1/file-${i}`);

const ring = new Continuum(servers.map((name) => ({ name, weight: 1 })));
function ours(cache: RouteCache, key: string): number {
  return cache.route(key, ring);
}

let sink = 0;
console.log(`clogs routing benchmark: ${machineLine()}`);
if (values.only !== 'rebuild') await lookups();
if (values.only !== 'lookup') rebuilds();
// Keeps the results alive, so no lookup is optimized away.
if (sink === -1) console.log(sink);

async function lookups(): Promise<void> {
  const perRun = new Map<string, number[]>();
  console.log(
    `\nlookups: ${servers.length} servers, ${BATCH} lookups per iteration, ${RUNS} runs, medians\n`,
  );
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
}

/**
 * ms per call of `build` over `reps` calls, medians of wall time and of CPU time (this
 * process, user + system). On a shared machine the wall time includes time the
 * process waited for a core; the CPU time is what the build costs.
 */
function time(reps: number, build: (rep: number) => void): { wall: number; cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const c = process.cpuUsage();
    const t = performance.now();
    build(rep);
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function rebuilds(): void {
  const reps = 10 * RUNS;
  console.log(
    `\nrebuilds: one server leaves or comes back, ${reps} changes per size, ms, median CPU time (median wall time)\n`,
  );
  const show = (t: { wall: number; cpu: number }) =>
    `${t.cpu.toFixed(2)} (${t.wall.toFixed(2)})`.padStart(18);
  console.log(
    `${'servers'.padStart(8)}${'before'.padStart(18)}${'after merge'.padStart(18)}${'after full'.padStart(18)}${'hashring'.padStart(18)}`,
  );
  for (const n of [10, 100, 1000, 5000]) {
    const names = Array.from({ length: n }, (_, i) => `10.1.${i >> 8}.${i & 255}:7070`);
    const all = names.map((name) => ({ name, weight: 1 }));
    const without = (i: number) => all.filter((_, j) => j !== i);
    const pick = (rep: number) => (rep * 7919) % n;
    const before = time(Math.max(3, Math.min(reps, Math.round(20_000 / n))), (rep) => {
      sink += referenceContinuum(without(pick(rep))).points.length;
    });
    const points = new KetamaPoints();
    let ring = new Continuum(all, points);
    const fleets = Array.from({ length: reps }, (_, rep) => (rep % 2 === 0 ? without(pick(rep)) : all));
    const merge = time(reps, (rep) => {
      ring = new Continuum(fleets[rep]!, points, ring);
    });
    // One server's weight doubles (and back): every other server's share, so its digest
    // count, changes too; nothing merges, and the build is a full one.
    const reweighed = all.map((s, i) => ({ name: s.name, weight: i === 0 ? 2 : 1 }));
    const full = time(reps, (rep) => {
      ring = new Continuum(rep % 2 === 0 ? reweighed : all, points, ring);
    });
    const theirs = new HashRing(names);
    const hashring = time(Math.max(3, Math.min(reps, Math.round(20_000 / n))), (rep) => {
      const name = names[pick(rep)]!;
      theirs.remove(name);
      theirs.add(name);
    });
    console.log(
      `${String(n).padStart(8)}${show(before)}${show(merge)}${show(full)}${show({ wall: hashring.wall / 2, cpu: hashring.cpu / 2 })}`,
    );
    sink += ring.size;
  }
  // The refill: 4,096 keys known before a change, routed again after it.
  const names = Array.from({ length: 1000 }, (_, i) => `10.1.${i >> 8}.${i & 255}:7070`);
  const points = new KetamaPoints();
  const a = new Continuum(
    names.map((name) => ({ name, weight: 1 })),
    points,
  );
  const b = new Continuum(
    names.slice(1).map((name) => ({ name, weight: 1 })),
    points,
    a,
  );
  const hot = Array.from({ length: 4096 }, (_, i) => `PAY1/app-${i}`);
  const kept = refillTime(true);
  const cleared = refillTime(false);
  console.log(
    `\nrefill after a change, 4,096 known keys at 1,000 servers: retire() ${kept.toFixed(0)} µs, clear() ${cleared.toFixed(0)} µs`,
  );

  function refillTime(keep: boolean): number {
    const us: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const cache = new RouteCache(8192);
      for (const k of hot) cache.route(k, a);
      if (keep) cache.retire();
      else cache.clear();
      const t = performance.now();
      for (const k of hot) sink += cache.route(k, b);
      us.push((performance.now() - t) * 1000);
    }
    return median(us);
  }
}
