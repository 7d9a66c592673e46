/**
 * Discovery benchmark (etcd), with a real etcd process and real clogs-server processes:
 *
 * 1. Lease revoke → remap: ms from a server leaving to the client's `fleet` event
 *    without it (the client applies the fleet with setServers() before emitting, so
 *    the continuum no longer holds it by then; checked on every run). Two ways out:
 *    a clean stop (SIGTERM to a `clogs-server --etcd`, which revokes its lease as it
 *    stops) and a lease revoked directly in etcd (LeaseRevoke from this process). The
 *    servers' leases are 30 s: only the revoke explains a remap sooner. A watch of the
 *    same prefix in this process dates the delete as etcd publishes it.
 * 2. Watch overhead on log(): ns per log() call of a client with `discovery` beside a
 *    static client given the same fleet, alternating rounds in one run.
 *
 *   pnpm --filter @clogs/bench run bench:discovery -- --runs 7
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type ClogsClient, createClient, type FleetEvent } from '@clogs/client';
import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../test/support/etcd-process.js';
import { ServerProcess } from '../test/support/server-process.js';
import { machineLine, median } from './machine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '7' },
    calls: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
  },
});
const RUNS = Number(values.runs);
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
const CLUSTER = 'bench';
const PREFIX = `/clogs/${CLUSTER}/servers/`;
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const defaults = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app' };
const KEYS = Array.from({ length: 4000 }, (_, i) => `PAY1/file-${i}`);
const load = () => loadavg()[0]!.toFixed(1);

interface Server {
  p: ServerProcess;
  name: string;
  port: number;
  dir: string;
}
const servers: Server[] = [];

/** A clogs-server registered as `name`, lease 30 s; resolves once it says it is registered. */
async function register(etcdUrl: string, name: string): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-bench-discovery-'));
  const p = ServerProcess.start([
    ...['--port', '0', '--data-dir', dir, '--etcd', etcdUrl],
    ...['--cluster', CLUSTER, '--name', name, '--lease-ttl', '30'],
  ]);
  const s = { p, name, dir, port: await p.port() };
  servers.push(s);
  await p.until(() => p.stdout.includes(`registered ${PREFIX}${name}`), `${name} registered`);
  return s;
}

async function stopAll(): Promise<void> {
  for (const s of servers.splice(0)) {
    s.p.child.kill('SIGKILL');
    await s.p.exited;
    await rm(s.dir, { recursive: true, force: true });
  }
}

/** Waits (polling every 10 ms, at most `ms`) until `test` holds. */
async function until(test: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const isUp = (c: ClogsClient, name: string) => c.stats().servers.some((s) => s.name === name && s.up);

/** The first `fleet` event without `name`, its time, and what the continuum held at that moment. */
function leaves(c: ClogsClient, name: string): Promise<{ at: number; stillRouted: number; moved: number }> {
  const before = KEYS.map((k) => c.route(k));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} still in the fleet after 20 s`)), 20_000);
    const on = (f: FleetEvent) => {
      if (f.servers.includes(name)) return;
      const at = performance.now();
      clearTimeout(timer);
      c.off('fleet', on);
      const after = KEYS.map((k) => c.route(k));
      resolve({
        at,
        stillRouted: after.filter((s) => s === name).length,
        moved: after.filter((s, i) => before[i] !== name && s !== before[i]).length,
      });
    };
    c.on('fleet', on);
  });
}

interface Remap {
  toFleet: number;
  deleteToFleet: number;
  callToDelete: number;
  stillRouted: number;
  moved: number;
}

async function remapRuns(etcd: EtcdCluster, kv: Etcd3, c: ClogsClient): Promise<Record<string, Remap[]>> {
  const deletes = new Map<string, number>();
  const watcher = await kv.watch().prefix(PREFIX).create();
  watcher.on('delete', (kvp) => deletes.set(kvp.key.toString(), performance.now()));
  const out: Record<string, Remap[]> = { 'clean stop (SIGTERM)': [], 'lease revoked in etcd': [] };
  const record = async (kind: string, name: string, t0: number, r: Awaited<ReturnType<typeof leaves>>) => {
    // The client's worker may hear of the delete before this process's watch does.
    await until(() => deletes.has(PREFIX + name), `the delete of ${name} in the bench's watch`, 5000);
    const del = deletes.get(PREFIX + name)!;
    if (r.stillRouted !== 0 || r.moved !== 0)
      throw new Error(
        `${kind}: at the fleet event ${r.stillRouted} keys still routed to ${name}, ${r.moved} moved between the others`,
      );
    out[kind]!.push({
      toFleet: r.at - t0,
      deleteToFleet: r.at - del,
      callToDelete: del - t0,
      stillRouted: r.stillRouted,
      moved: r.moved,
    });
  };
  for (let run = 0; run < RUNS; run++) {
    // A clean stop: a fresh server each run, in the continuum (PONGed) before it stops.
    const name = `log-stop-${run}`;
    const s = await register(etcd.url, name);
    await until(() => isUp(c, name), `${name} up in the client`);
    const gone = leaves(c, name);
    const t0 = performance.now();
    s.p.child.kill('SIGTERM');
    await record('clean stop (SIGTERM)', name, t0, await gone);
    await s.p.exited;
  }
  // A direct revoke: the server notices its lease is gone and registers again, so one serves every run.
  const r = await register(etcd.url, 'log-revoked');
  for (let run = 0; run < RUNS; run++) {
    await until(() => isUp(c, r.name), `${r.name} up in the client`);
    const kvs = (await kv.get(PREFIX + r.name).exec()).kvs;
    const lease = kvs[0]?.lease;
    if (lease === undefined || lease === '0') throw new Error(`${r.name} has no lease in etcd`);
    deletes.delete(PREFIX + r.name);
    const gone = leaves(c, r.name);
    const t0 = performance.now();
    await kv.leaseClient.leaseRevoke({ ID: lease });
    await record('lease revoked in etcd', r.name, t0, await gone);
  }
  await watcher.cancel();
  return out;
}

/** ns per log() call: the discovery client and the static one in alternate rounds. */
async function overhead(
  etcdUrl: string,
  fleet: Server[],
): Promise<{ discovery: number[]; static: number[]; differ: number }> {
  const d = createClient({ discovery: { etcd: etcdUrl, cluster: CLUSTER }, defaults });
  const specs = fleet.map((s) => ({ host: '127.0.0.1', port: s.port, weight: 1, name: s.name }));
  const st = createClient({ servers: specs, defaults });
  for (const c of [d, st]) await until(() => fleet.every((s) => isUp(c, s.name)), 'the fleet up');
  const differ = KEYS.filter((k) => d.route(k) !== st.route(k)).length;
  const out = { discovery: [] as number[], static: [] as number[], differ };
  for (let r = 0; r < ROUNDS * 2; r++) {
    const [name, c] = r % 2 === 0 ? (['discovery', d] as const) : (['static', st] as const);
    const t = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) c.log(MSG);
    out[name].push(Number(process.hrtime.bigint() - t) / CALLS);
    if (!(await c.flush({ timeoutMs: 30_000 }))) throw new Error(`${name}: flush timed out`);
  }
  await d.close();
  await st.close();
  return out;
}

// --- run -----------------------------------------------------------------------------

console.log(`clogs discovery benchmark: ${machineLine()}; load ${loadavg().map((l) => l.toFixed(1))}`);
const etcd = await EtcdCluster.start(1);
const kv = new Etcd3({ hosts: etcd.urls });
try {
  const fleet: Server[] = [];
  for (const n of ['log-a', 'log-b', 'log-c']) fleet.push(await register(etcd.url, n));

  const costs = { discovery: [] as number[], static: [] as number[] };
  let differ = 0;
  for (let run = 0; run < RUNS; run++) {
    const o = await overhead(etcd.url, fleet);
    costs.discovery.push(median(o.discovery));
    costs.static.push(median(o.static));
    differ += o.differ;
  }
  const f = (v: number[]) =>
    `${median(v).toFixed(0)} ns (${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)})`;
  console.log(
    `\nlog() on the caller, 3 servers, ${CALLS} calls × ${ROUNDS} rounds each, alternating; median of ${RUNS} per-run medians (range), load ${load()}:`,
  );
  console.log(`  with discovery ${f(costs.discovery)}`);
  console.log(`  static fleet   ${f(costs.static)}`);
  console.log(
    `  ratio ${(median(costs.discovery) / median(costs.static)).toFixed(3)}; keys routed differently: ${differ}`,
  );

  const c = createClient({ discovery: { etcd: etcd.url, cluster: CLUSTER }, defaults });
  await until(() => fleet.every((s) => isUp(c, s.name)), 'the fleet up');
  const remaps = await remapRuns(etcd, kv, c);
  await c.close();
  console.log(`\nremap after a lease revoke, ms, median of ${RUNS} (range), load ${load()}:`);
  const g = (v: number[]) =>
    `${median(v).toFixed(1)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)})`;
  for (const [kind, rs] of Object.entries(remaps)) {
    console.log(`  ${kind}:`);
    console.log(`    stop/revoke call → fleet event   ${g(rs.map((r) => r.toFleet))}`);
    console.log(`    stop/revoke call → delete seen  ${g(rs.map((r) => r.callToDelete))}`);
    console.log(`    delete seen → fleet event       ${g(rs.map((r) => r.deleteToFleet))}`);
    const still = rs.map((r) => r.stillRouted);
    const moved = rs.map((r) => r.moved);
    console.log(
      `    keys still routed to it at the event: ${still.join(', ')}; of ${KEYS.length}, moved between the others: ${moved.join(', ')}`,
    );
  }
} finally {
  kv.close();
  await stopAll();
  await etcd.close();
}
