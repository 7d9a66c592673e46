import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type ClogsClient, createClient, type FleetEvent, type ServerState } from '../src/index.js';

/** A clogs-server process registered in etcd, and its data folder. */
export interface Registered {
  p: ServerProcess;
  name: string;
  port: number;
  dir: string;
}

const clients: ClogsClient[] = [];
const servers: Registered[] = [];

/** Closes the clients, kills the servers and removes their folders. */
export async function cleanup(): Promise<void> {
  for (const c of clients.splice(0)) await c.close({ timeoutMs: 500 });
  for (const s of servers.splice(0)) {
    s.p.child.kill('SIGKILL');
    await s.p.exited;
    await rm(s.dir, { recursive: true, force: true });
  }
}

/** A client closed by {@link cleanup}. */
export function tracked(c: ClogsClient): ClogsClient {
  clients.push(c);
  return c;
}

/** A clogs-server process registered as `name` in `cluster`; resolves once etcd has it. */
export async function register(urls: string, cluster: string, name: string, ttl = 2): Promise<Registered> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-discovery-'));
  const args = ['--port', '0', '--data-dir', dir, '--flush-ms', '20', '--etcd', urls];
  const p = ServerProcess.start([...args, '--cluster', cluster, '--name', name, '--lease-ttl', String(ttl)]);
  const s = { p, name, dir, port: 0 };
  servers.push(s);
  s.port = await p.port();
  await p.until(
    () => p.stdout.includes(`registered /clogs/${cluster}/servers/${name}`),
    `${name} registered`,
  );
  return s;
}

/** A client following `cluster` in etcd, pinging every 100 ms; its warnings are collected in `warnings`. */
export function discover(
  urls: string | string[],
  cluster: string,
  extra: object = {},
): ClogsClient & { warnings: string[] } {
  const c = tracked(
    createClient({ discovery: { etcd: urls, cluster }, ping: { intervalMs: 100 }, ...extra }),
  );
  const warnings: string[] = [];
  c.on('warning', (err: Error) => warnings.push(err.message));
  return Object.assign(c, { warnings });
}

/** Resolves with the first `fleet` event whose servers satisfy `test`, and when it came. */
export function fleetWhere(
  c: ClogsClient,
  test: (names: string[]) => boolean,
  ms = 10_000,
): Promise<FleetEvent & { at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no such fleet within ${ms} ms; last: ${JSON.stringify(c.stats().discovery)}`)),
      ms,
    );
    const on = (f: FleetEvent) => {
      if (!test(f.servers)) return;
      clearTimeout(timer);
      c.off('fleet', on);
      resolve({ ...f, at: Date.now() });
    };
    c.on('fleet', on);
  });
}

/** Names of the servers the client has up. */
export const up = (c: ClogsClient) =>
  c
    .stats()
    .servers.filter((s: ServerState) => s.up)
    .map((s) => s.name);
