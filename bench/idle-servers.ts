/**
 * What an idle server costs a client: RSS and heap growth of a client addressing
 * `--servers` servers (default 5,000) to which no record is ever logged, against the
 * same process before the client exists. The servers are loopback ports nobody
 * answers; the figures are read once the client is built, after a GC.
 *
 *   node --expose-gc --import tsx --conditions=source bench/idle-servers.ts --servers 5000
 */
import { parseArgs } from 'node:util';
import { createClient } from '@clogs/client';

const { values } = parseArgs({ options: { servers: { type: 'string', default: '5000' } } });
const count = Number(values.servers);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function measure(): { rss: number; heap: number; external: number; heapTotal: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external, heapTotal: m.heapTotal };
}

const servers = Array.from({ length: count }, (_, i) => ({
  host: '127.0.0.1',
  port: 20000 + (i % 40000),
  name: `s${i}`,
}));
// A first small client: module loading and one-off allocations are not counted.
const warm = createClient({ servers: servers.slice(0, 2) });
await warm.close({ timeoutMs: 100 });
const before = measure();
const client = createClient({ servers });
await new Promise((resolve) => setImmediate(resolve));
const after = measure();
const grew = (key: 'rss' | 'heap' | 'external' | 'heapTotal') => {
  const bytes = after[key] - before[key];
  return `${key} +${(bytes / 2 ** 20).toFixed(1)} MB (${(bytes / count / 1024).toFixed(2)} KB each)`;
};
console.log(
  `${count} idle servers: ${grew('rss')}, ${grew('heap')}, ${grew('external')}, ${grew('heapTotal')}`,
);
await client.close({ timeoutMs: 100 });
process.exit(0);
