import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { IKeyValue } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { runServerCommand, type ServerProcess } from '../../../test/support/server-process.js';
import { useEtcd } from './etcd-hooks.js';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LOADED = fileURLToPath(new URL('./fixtures/etcd3-loaded.ts', import.meta.url));

const fx = useEtcd();

/** A clogs-server process registering in the test's etcd; stopped (SIGKILL) and its folder removed after the test. */
async function startServer(args: string[]): Promise<ServerProcess> {
  return (await fx.server(args)).p;
}

async function registered(p: ServerProcess): Promise<void> {
  await p.until(
    () => /clogs-server registered \S+ at etcd revision \d+/.test(p.stdout),
    'the registered line',
  );
}

async function key(k: string): Promise<IKeyValue | undefined> {
  const res = await fx.etcd.get(k).exec();
  return res.kvs[0];
}

/** Resolves with the time the key is deleted (a watch from the revision after `from`). */
async function deleted(k: string, from: string): Promise<number> {
  const watcher = await fx.etcd
    .watch()
    .key(k)
    .startRevision(String(BigInt(from) + 1n))
    .create();
  try {
    return await new Promise<number>((resolve) => watcher.on('delete', () => resolve(Date.now())));
  } finally {
    await watcher.cancel();
  }
}

describe('clogs-server --etcd: registration', () => {
  it('puts /clogs/<cluster>/servers/<name> = { host, port, weight } under a lease of --lease-ttl', async () => {
    const p = await startServer([
      '--cluster',
      'reg1',
      '--name',
      'log-a',
      '--weight',
      '3',
      '--lease-ttl',
      '4',
    ]);
    const port = await p.port();
    await registered(p);
    expect(p.stdout).toContain('registered /clogs/reg1/servers/log-a at etcd revision');
    const kv = await key('/clogs/reg1/servers/log-a');
    expect(kv, 'the key is there').toBeDefined();
    expect(JSON.parse(kv!.value.toString())).toEqual({ host: '127.0.0.1', port, weight: 3 });
    const lease = await fx.etcd.leaseClient.leaseTimeToLive({ ID: kv!.lease });
    expect(lease.grantedTTL).toBe('4');
  });

  it('defaults: cluster "default", the name and address the bound host:port, weight 1', async () => {
    const p = await startServer([]);
    const port = await p.port();
    await registered(p);
    const kv = await key(`/clogs/default/servers/127.0.0.1:${port}`);
    expect(JSON.parse(kv!.value.toString())).toEqual({ host: '127.0.0.1', port, weight: 1 });
  });

  it('--advertise is what clients are told', async () => {
    const p = await startServer(['--cluster', 'reg2', '--name', 'edge', '--advertise', 'logs.example:7171']);
    await registered(p);
    const kv = await key('/clogs/reg2/servers/edge');
    expect(JSON.parse(kv!.value.toString())).toEqual({ host: 'logs.example', port: 7171, weight: 1 });
  });

  it('a clean stop revokes the lease: the key is gone by the time the process exits', async () => {
    const p = await startServer(['--cluster', 'reg3', '--name', 'log-a', '--lease-ttl', '30']);
    await registered(p);
    expect(await key('/clogs/reg3/servers/log-a'), 'registered').toBeDefined();
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(await key('/clogs/reg3/servers/log-a'), 'gone at once, not in 30 s').toBeUndefined();
  });

  it('a SIGKILLed server leaves when its lease expires', async () => {
    const p = await startServer(['--cluster', 'reg4', '--name', 'log-a', '--lease-ttl', '1']);
    await registered(p);
    const kv = await key('/clogs/reg4/servers/log-a');
    const gone = deleted('/clogs/reg4/servers/log-a', kv!.mod_revision);
    const killedAt = Date.now();
    p.child.kill('SIGKILL');
    await p.exited;
    const afterMs = (await gone) - killedAt;
    // The lease runs out 1 s after the last keepalive (sent every 1/3 s); etcd checks expiry every 0.5 s.
    expect(afterMs).toBeLessThan(2500);
  });

  it('a name held by another live server is refused: exit 78, ERR_SERVER_NAME_TAKEN, the holder keeps it', async () => {
    const a = await startServer(['--cluster', 'reg5', '--name', 'log-a']);
    const portA = await a.port();
    await registered(a);
    const b = await startServer(['--cluster', 'reg5', '--name', 'log-a']);
    expect(await b.exited).toBe(78);
    expect(b.stderr).toContain('the name log-a is held by another live server');
    expect(b.stderr).toContain('[ERR_SERVER_NAME_TAKEN]');
    expect(b.stdout).not.toContain('listening');
    const kv = await key('/clogs/reg5/servers/log-a');
    expect(JSON.parse(kv!.value.toString()).port).toBe(portA);
  });

  it('registers again after an etcd outage longer than the lease, and keeps that lease alive', async () => {
    const p = await startServer(['--cluster', 'reg6', '--name', 'log-a', '--lease-ttl', '1']);
    const port = await p.port();
    await registered(p);
    const before = (await key('/clogs/reg6/servers/log-a'))!.lease;
    const member = fx.cluster.members[0]!;
    await member.kill();
    try {
      await p.until(
        () => p.stderr.includes('lost the registration /clogs/reg6/servers/log-a'),
        'the lost lease',
      );
    } finally {
      await member.start();
    }
    await p.until(() => p.stdout.includes('registered again /clogs/reg6/servers/log-a'), 'registered again');
    const kv = await key('/clogs/reg6/servers/log-a');
    expect(JSON.parse(kv!.value.toString())).toEqual({ host: '127.0.0.1', port, weight: 1 });
    expect(kv!.lease, 'under a new lease').not.toBe(before);
    const lease = await fx.etcd.leaseClient.leaseTimeToLive({ ID: kv!.lease });
    expect(lease.grantedTTL).toBe('1');
    expect(
      Number(lease.TTL),
      'the new lease is alive (etcd says -1 for an expired one)',
    ).toBeGreaterThanOrEqual(0);
    expect(p.stderr.match(/ERR_SERVER_ETCD/g)?.length, 'the outage said once, not per retry').toBe(1);
  });
});

describe('clogs-server --etcd while etcd is down', () => {
  it('starts and serves anyway, says so once, and registers once etcd answers', async () => {
    const member = fx.cluster.members[0]!;
    await member.kill();
    let p: ServerProcess;
    try {
      p = await startServer(['--cluster', 'reg7', '--name', 'log-a']);
      await p.port();
      await p.until(() => p.stderr.includes('cannot register /clogs/reg7/servers/log-a'), 'the warning');
    } finally {
      await member.start();
    }
    await registered(p);
    expect(await key('/clogs/reg7/servers/log-a'), 'registered').toBeDefined();
    // Once for the registration, once for the server's settings (server-config.test.ts).
    expect(p.stderr.match(/cannot register .*ERR_SERVER_ETCD/g)?.length, 'said once').toBe(1);
    expect(p.stderr.match(/cannot read \/clogs\/reg7\/server-config .*ERR_SERVER_ETCD/g)?.length).toBe(1);
    expect(p.stderr.match(/ERR_SERVER_ETCD/g)?.length, 'nothing else').toBe(2);
  });
});

describe('clogs-server without --etcd', () => {
  it('does not load etcd3 or gRPC', async () => {
    const run = (args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', '--conditions=source', LOADED, ...args], {
        cwd: ROOT,
      });
    const without = await run([]);
    expect(without.stdout).toBe('loaded 0\n');
    // The same probe sees them when they are used: it can tell.
    const withEtcd = await run(['--etcd', fx.cluster.url, '--cluster', 'lazy', '--quiet']);
    expect(withEtcd.stdout).toMatch(/^loaded [1-9]\d*\n$/);
  });
});

describe('clogs-server registration flags', () => {
  it('--cluster, --name, --weight, --advertise and --lease-ttl need --etcd', async () => {
    const r = await runServerCommand(['--port', '0', '--name', 'log-a']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--name needs --etcd');
  });

  it('a wildcard --host needs --advertise; bad values are refused', async () => {
    const wild = await runServerCommand(['--port', '0', '--host', '0.0.0.0', '--etcd', 'http://127.0.0.1:1']);
    expect(wild.code).toBe(64);
    expect(wild.stderr).toContain('say which one clients reach with --advertise host:port');
    const url = await runServerCommand(['--port', '0', '--etcd', 'localhost:2379']);
    expect(url.code).toBe(64);
    expect(url.stderr).toContain('--etcd must be http(s)://host:port');
    const weight = await runServerCommand(['--port', '0', '--etcd', 'http://127.0.0.1:1', '--weight', '0']);
    expect(weight.code).toBe(64);
    expect(weight.stderr).toContain('--weight must be a whole number 1..1000, not 0');
    const name = await runServerCommand(['--port', '0', '--etcd', 'http://127.0.0.1:1', '--name', 'a/b']);
    expect(name.code).toBe(64);
    expect(name.stderr).toContain('--name must be 1-255 of [A-Za-z0-9_.:[]-], not "a/b"');
  });
});
