import { afterEach, describe, expect, it } from 'vitest';
import { EtcdCluster, freePort } from '../../../test/support/etcd-process.js';
import { cleanup, discover, fleetWhere, type Registered, register, up } from './discovery-helpers.js';
import { messages, until } from './helpers.js';

let etcd: EtcdCluster | undefined;
afterEach(async () => {
  await cleanup();
  await etcd?.close();
  etcd = undefined;
});

/** Every message in the servers' `OUT/<file>.log` files, with how often each was written. */
async function tally(fleet: Registered[], files: string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const s of fleet) {
    for (const f of files)
      for (const m of await messages(s.dir, 'OUT', f)) seen.set(m, (seen.get(m) ?? 0) + 1);
  }
  return seen;
}

const files = Array.from({ length: 12 }, (_, i) => `f${i}`);

describe('discovery when etcd fails', () => {
  it('one member of two dead from the start: no outage is said, and the fleet is followed', async () => {
    etcd = await EtcdCluster.start(1);
    await register(etcd.url, 'o4', 'log-a');
    const dead = `http://127.0.0.1:${await freePort()}`;
    const c = discover([dead, etcd.url], 'o4');
    await until(() => up(c).length === 1, 'log-a up');
    const joined = fleetWhere(c, (names) => names.includes('log-b'));
    await register(etcd.url, 'o4', 'log-b');
    expect((await joined).servers).toEqual(['log-a', 'log-b']);
    expect(c.stats().discovery!.connected).toBe(true);
    expect(c.warnings.filter((w) => w.includes('unreachable'))).toEqual([]);
  });

  it('etcd killed mid-stream: logging goes on to the last fleet, nothing is lost, the watch resumes when etcd returns', async () => {
    etcd = await EtcdCluster.start(1);
    const fleet = await Promise.all(['log-a', 'log-b'].map((n) => register(etcd!.url, 'o1', n, 10)));
    const c = discover(etcd.url, 'o1', {
      defaults: { sysId: 'OUT', msgType: 'TXT' },
      delivery: 'at-least-once',
    });
    await until(() => up(c).length === 2, 'two servers up');
    let sent = 0;
    const burst = (n: number) => {
      for (let i = 0; i < n; i++, sent++) c.log(`record ${sent}`, { fileName: files[sent % files.length]! });
    };
    burst(3000);
    await etcd.members[0]!.kill();
    burst(3000);
    await until(() => c.stats().discovery!.connected === false, 'the client to see etcd gone');
    burst(3000);
    expect(await c.flush({ timeoutMs: 10_000 }), 'delivered while etcd is down').toBe(true);
    expect(
      c.stats().servers.map((s) => s.name),
      'the last fleet stands',
    ).toEqual(['log-a', 'log-b']);
    const outage = c.warnings.filter((w) => w.includes('is unreachable'));
    expect(outage.length, `said once: ${JSON.stringify(c.warnings)}`).toBe(1);
    expect(outage[0]).toContain('keeping the last fleet (2 servers');

    await etcd.members[0]!.start();
    const resumed = fleetWhere(c, (names) => names.includes('log-c'));
    fleet.push(await register(etcd.url, 'o1', 'log-c', 10));
    const f = await resumed;
    expect(f.servers).toEqual(['log-a', 'log-b', 'log-c']);
    expect(c.stats().discovery).toMatchObject({ connected: true, revision: f.revision });
    await until(() => up(c).length === 3, 'log-c up');
    burst(3000);
    expect(await c.flush({ timeoutMs: 10_000 })).toBe(true);

    const seen = await tally(fleet, files);
    const missing = Array.from({ length: sent }, (_, i) => `record ${i}`).filter((m) => !seen.has(m));
    expect(missing).toEqual([]);
    expect(seen.size).toBe(sent);
    expect(c.stats()).toMatchObject({ accepted: sent, acked: sent });
  });

  it('a client started while etcd is down has no fleet yet: its records wait, and go once etcd answers', async () => {
    etcd = await EtcdCluster.start(1);
    const [a] = await Promise.all([register(etcd.url, 'o3', 'log-a', 30)]);
    await etcd.members[0]!.kill();
    const c = discover(etcd.url, 'o3', {
      defaults: { sysId: 'OUT', msgType: 'TXT' },
      delivery: 'at-least-once',
    });
    for (let i = 0; i < 100; i++) c.log(`early ${i}`, { fileName: 'f0' });
    await until(
      () => c.warnings.some((w) => w.includes('no fleet yet: records wait for one')),
      'the warning',
    );
    expect(c.stats()).toMatchObject({ parkedRecords: 100, servers: [] });
    await etcd.members[0]!.start();
    expect(await c.flush({ timeoutMs: 15_000 })).toBe(true);
    const got = await messages(a!.dir, 'OUT', 'f0');
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `early ${i}`));
  });

  it('a 3-member etcd cluster with one member killed: discovery keeps following the fleet', async () => {
    etcd = await EtcdCluster.start(3);
    const [a] = await Promise.all(['log-a', 'log-b'].map((n) => register(etcd!.url, 'o2', n, 10)));
    const c = discover(etcd.urls, 'o2');
    await until(() => up(c).length === 2, 'two servers up');
    await etcd.members[0]!.kill();
    const joined = fleetWhere(c, (names) => names.includes('log-c'));
    await register(etcd.url, 'o2', 'log-c', 10);
    expect((await joined).servers).toEqual(['log-a', 'log-b', 'log-c']);
    const left = fleetWhere(c, (names) => !names.includes('log-a'));
    a!.p.child.kill('SIGTERM');
    expect((await left).servers).toEqual(['log-b', 'log-c']);
    expect(c.stats().discovery!.connected).toBe(true);
  });
});
