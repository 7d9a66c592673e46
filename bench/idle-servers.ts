/**
 * What an idle server costs a client: memory growth of a client addressing `--servers`
 * servers (default 5,000) to which no record is ever logged, against the same process
 * before the client exists. The servers are loopback ports nobody answers; the figures
 * are read once the client is built, after a GC.
 *
 * Two measurements, each in a process of its own:
 *
 * - **warm** (the one to read): before the "before" figure, the process allocates
 *   short-lived objects that survive a scavenge or two, as any app logging at speed
 *   does, until V8's young generation is at its full size. Otherwise building the fleet
 *   is what grows it, and RSS charges the servers with megabytes of young generation
 *   that V8 keeps committed for the life of the process, whatever the client holds.
 *   It prints RSS, live memory (heapUsed + external: what the client's objects and
 *   buffers hold) and heapTotal, a server each.
 * - **plain** (`--plain`): no warm-up, as the figure was first measured; RSS then includes
 *   the young generation's growth.
 *
 * Measure the built package (what an app runs): from the sources, tsx keeps function
 * names, which gives every closure a property store of its own (more heap a server,
 * which the built package does not have).
 *
 *   pnpm --filter @clogs/protocol --filter @clogs/etcd --filter @clogs/client run build
 *   node --expose-gc --import tsx bench/idle-servers.ts --servers 5000
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { createClient } from '@clogs/client';

const { values } = parseArgs({
  options: { servers: { type: 'string', default: '5000' }, plain: { type: 'boolean', default: false } },
});
const count = Number(values.servers);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

interface Reading {
  rss: number;
  heapUsed: number;
  external: number;
  heapTotal: number;
}

function measure(): Reading {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, heapTotal: m.heapTotal };
}

/** The young generation's capacity, bytes. */
function youngSize(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Grows the young generation to the size an app allocating at speed gives it: objects
 * that live for a window of 65,536 allocations (a scavenge finds many alive, so V8
 * grows the space), in rounds, until a round no longer grows it. Bounded: 16 rounds.
 */
function growYoungGeneration(): void {
  const window: unknown[] = new Array(2 ** 16);
  let size = youngSize();
  for (let round = 0, still = 0; round < 16 && still < 3; round++) {
    for (let i = 0; i < 1_000_000; i++) window[i & 0xffff] = { i, pair: [i, i + 1], text: `r${i}` };
    const grown = youngSize();
    still = grown > size ? 0 : still + 1;
    size = grown;
  }
}

const servers = Array.from({ length: count }, (_, i) => ({
  host: '127.0.0.1',
  port: 20000 + (i % 40000),
  name: `s${i}`,
}));
// A first small client: module loading and one-off allocations are not counted.
const warm = createClient({ servers: servers.slice(0, 2) });
await warm.close({ timeoutMs: 100 });
if (!values.plain) growYoungGeneration();
const before = measure();
const youngBefore = youngSize();
const client = createClient({ servers });
await new Promise((resolve) => setImmediate(resolve));
const after = measure();

const kb = (bytes: number) => `${(bytes / count / 1024).toFixed(2)} KB`;
const grew = (key: keyof Reading) => {
  const bytes = after[key] - before[key];
  return `${key} +${(bytes / 2 ** 20).toFixed(1)} MB (${kb(bytes)} each)`;
};
const live = after.heapUsed + after.external - before.heapUsed - before.external;
console.log(
  values.plain
    ? `plain: ${grew('rss')}, ${grew('heapUsed')}, ${grew('external')}, ${grew('heapTotal')}`
    : `warm (young generation ${(youngBefore / 2 ** 20).toFixed(0)} MB before): per server ` +
        `RSS ${kb(after.rss - before.rss)}, live ${kb(live)} (heapUsed ${kb(after.heapUsed - before.heapUsed)} ` +
        `+ external ${kb(after.external - before.external)}), heapTotal ${kb(after.heapTotal - before.heapTotal)}`,
);
await client.close({ timeoutMs: 100 });
if (!values.plain) {
  // The plain figure, from a process of its own (a warm-up cannot be undone).
  const self = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, self, '--servers', String(count), '--plain'];
  process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
}
process.exit(0);
