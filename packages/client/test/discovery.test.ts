import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import { createClient, type FleetEvent } from '../src/index.js';
import { cleanup, discover, fleetWhere, register, tracked, up } from './discovery-helpers.js';
import { messages, once, until } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXIT_SCRIPT = fileURLToPath(new URL('./fixtures/discovery-exit.ts', import.meta.url));

let etcd: EtcdCluster | undefined;
afterEach(async () => {
  await cleanup();
  await etcd?.close();
  etcd = undefined;
});

const keys = Array.from({ length: 2000 }, (_, i) => `PAY1/file-${i}`);

describe('discovery from etcd', () => {
  it('learns the registered fleet and routes exactly as a static client with the same fleet', async () => {
    etcd = await EtcdCluster.start(1);
    const fleet = await Promise.all(['log-a', 'log-b', 'log-c'].map((n) => register(etcd!.url, 'd1', n)));
    const c = discover(etcd.url, 'd1');
    await until(() => up(c).length === 3, 'three servers up');
    const specs = fleet.map((s) => ({ host: '127.0.0.1', port: s.port, weight: 1, name: s.name }));
    const still = tracked(createClient({ servers: specs, ping: { intervalMs: 100 } }));
    await until(() => up(still).length === 3, 'the static client up');
    const differ = keys.filter((k) => c.route(k) !== still.route(k));
    expect(differ).toEqual([]);
    const d = c.stats().discovery!;
    expect(d).toMatchObject({ source: 'etcd', cluster: 'd1', connected: true });
    expect(Number(d.revision)).toBeGreaterThanOrEqual(3);
  });

  it('a server stopped cleanly leaves the continuum within a second', async () => {
    etcd = await EtcdCluster.start(1);
    const [, b] = await Promise.all(['log-a', 'log-b', 'log-c'].map((n) => register(etcd!.url, 'd2', n, 30)));
    const c = discover(etcd.url, 'd2');
    await until(() => up(c).length === 3, 'three servers up');
    const gone = fleetWhere(c, (names) => !names.includes('log-b'));
    const stoppedAt = Date.now();
    b!.p.child.kill('SIGTERM');
    const f = await gone;
    // Its lease is 30 s: only the revoke on a clean stop explains this.
    expect(f.at - stoppedAt).toBeLessThan(1000);
    expect(f.servers).toEqual(['log-a', 'log-c']);
    expect(keys.filter((k) => c.route(k) === 'log-b')).toEqual([]);
  });

  it('a SIGKILLed server goes down by ping first, and leaves the fleet when its lease expires', async () => {
    etcd = await EtcdCluster.start(1);
    const [a] = await Promise.all(['log-a', 'log-b'].map((n) => register(etcd!.url, 'd3', n, 2)));
    const c = discover(etcd.url, 'd3');
    await until(() => up(c).length === 2, 'two servers up');
    const events: string[] = [];
    c.on('down', (e: { server: string }) => events.push(`down ${e.server}`));
    const gone = fleetWhere(c, (names) => !names.includes('log-a'));
    const killedAt = Date.now();
    a!.p.child.kill('SIGKILL');
    const f = await gone;
    events.push('fleet without log-a');
    // The lease (2 s) outlives the ping verdict (3 missed pings at 100 ms).
    expect(events).toEqual(['down log-a', 'fleet without log-a']);
    expect(f.at - killedAt).toBeLessThan(3500);
  });

  it('a new server joins the fleet at once and takes its share only after its first PONG', async () => {
    etcd = await EtcdCluster.start(1);
    await Promise.all(['log-a', 'log-b'].map((n) => register(etcd!.url, 'd4', n)));
    // At-least-once: flush() resolves on the ACKs, sent once the lines are in the files.
    const c = discover(etcd.url, 'd4', {
      defaults: { sysId: 'DISC', msgType: 'TXT' },
      delivery: 'at-least-once',
    });
    await until(() => up(c).length === 2, 'two servers up');
    const states: string[] = [];
    c.on('fleet', (f: FleetEvent) => {
      if (!f.servers.includes('log-n')) return;
      const n = c.stats().servers.find((s) => s.name === 'log-n')!;
      states.push(`${n.state} share ${n.share}`);
    });
    const joined = new Promise<void>((resolve) =>
      c.on('up', (e: { server: string }) => e.server === 'log-n' && resolve()),
    );
    const n = await register(etcd.url, 'd4', 'log-n');
    await joined;
    expect(states[0], 'in the fleet, out of the continuum until it answers').toBe('down share 0');
    // The default route: sys_id/file_name.
    const files = Array.from({ length: 300 }, (_, i) => `file-${i}`);
    const mine = files.filter((f) => c.route(`DISC/${f}`) === 'log-n');
    expect(mine.length, 'it has keys').toBeGreaterThan(0);
    for (const f of files) c.log(`record of ${f}`, { fileName: f });
    expect(await c.flush({ timeoutMs: 10_000 })).toBe(true);
    const got: string[] = [];
    for (const f of mine) got.push(...(await messages(n.dir, 'DISC', f)));
    expect(got.sort()).toEqual(mine.map((f) => `record of ${f}`).sort());
  });
});

describe('discovery while closing', () => {
  it('close() called before the first fleet is read keeps following etcd until what was logged is delivered', async () => {
    etcd = await EtcdCluster.start(1);
    const a = await register(etcd.url, 'd7', 'log-a');
    const c = discover(etcd.url, 'd7', { defaults: { sysId: 'DISC', msgType: 'TXT', fileName: 'early' } });
    for (let i = 0; i < 500; i++) c.log(`early ${i}`);
    expect(c.stats().discovery!.revision, 'logged before the first read').toBeUndefined();
    const fleets: string[][] = [];
    c.on('fleet', (f: FleetEvent) => fleets.push(f.servers));
    const { undelivered } = await c.close({ timeoutMs: 10_000 });
    expect(undelivered).toBe(0);
    expect(fleets, 'the fleet read while closing').toEqual([['log-a']]);
    // At-most-once: close() resolves once the frames are sent; the server writes them within its --flush-ms.
    await vi.waitFor(async () =>
      expect(await messages(a.dir, 'DISC', 'early')).toEqual(
        Array.from({ length: 500 }, (_, i) => `early ${i}`),
      ),
    );
  });
});

describe('discovery: a server joining', () => {
  it('the first fleet is a start list; a server registered later is pinged at once and joins on its first PONG, not at the next ping interval', async () => {
    etcd = await EtcdCluster.start(1);
    await register(etcd.url, 'd8', 'log-a');
    // A ping interval no test waits out: only the pings sent on arrival can bring them up.
    const c = discover(etcd.url, 'd8', { ping: { intervalMs: 600_000 } });
    const states: string[] = [];
    c.on('fleet', () => states.push(...c.stats().servers.map((s) => `${s.name} ${s.state}`)));
    await until(() => up(c).length === 1, 'log-a up on its first PONG');
    expect(states, 'the first fleet: probing, in the continuum').toEqual(['log-a probing']);
    const joined = once<{ server: string; reason: string }>(c, 'up');
    await register(etcd.url, 'd8', 'log-b');
    expect(await joined).toEqual({ server: 'log-b', reason: 'pong' });
    expect(up(c).sort()).toEqual(['log-a', 'log-b']);
    expect(c.stats().servers.map((s) => s.share > 0)).toEqual([true, true]);
  });
});

describe('discovery: what is not applied', () => {
  it('an empty fleet is not applied (said once), nor a registration that does not parse (said once)', async () => {
    etcd = await EtcdCluster.start(1);
    const kv = new Etcd3({ hosts: etcd.urls });
    try {
      const c = discover(etcd.url, 'd6');
      await until(() => c.stats().discovery!.revision !== undefined, 'the first read');
      expect(c.warnings).toEqual([
        `no server is registered in /clogs/d6/servers/ (revision ${c.stats().discovery!.revision}): keeping the fleet as it was [ERR_CLIENT_DISCOVERY]`,
      ]);
      expect(c.stats().servers).toEqual([]);
      const applied = fleetWhere(c, (names) => names.length > 0);
      await kv.put('/clogs/d6/servers/bad-json').value('{ not json');
      await kv.put('/clogs/d6/servers/bad-port').value('{ "host": "127.0.0.1", "port": 70000, "weight": 1 }');
      await kv.put('/clogs/d6/servers/good').value('{ "host": "127.0.0.1", "port": 9, "weight": 2 }');
      expect((await applied).servers).toEqual(['good']);
      expect(c.stats().servers.map((s) => [s.name, s.port, s.weight])).toEqual([['good', 9, 2]]);
      expect(c.warnings.filter((w) => w.includes('bad-json')).length).toBe(1);
      expect(c.warnings.filter((w) => w.includes('bad-port')).length).toBe(1);
      expect(c.warnings.find((w) => w.includes('bad-port'))).toContain('port is not 1..65535');
    } finally {
      kv.close();
    }
  });
});

describe('discovery: a client whose script ends', () => {
  it('does not hold the process: a script that never closes its client ends once its record is acknowledged', async () => {
    etcd = await EtcdCluster.start(1);
    await register(etcd.url, 'd5', 'log-a');
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', EXIT_SCRIPT, etcd.url, 'd5'],
      {
        cwd: ROOT,
        timeout: 20_000,
      },
    );
    expect(run.stdout).toContain('fleet log-a at');
    expect(run.stdout).toMatch(/exit acked 1 revision \d+\n/);
  });
});
