// clogs-cli with the fleet from etcd (--etcd, --cluster, the config file's discovery):
// a real etcd process, real clogs-server processes registered in it, every line counted
// in the servers' files.
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, freePort } from '../../../test/support/etcd-process.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { run, shell, tally } from './helpers.js';

const CLUSTER = 'cli';
let etcd: EtcdCluster;
let work: string;
const servers: { p: ServerProcess; dir: string }[] = [];

/** A clogs-server process registered in etcd as `name`; resolves once etcd has it. */
async function register(name: string): Promise<{ p: ServerProcess; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), `clogs-cli-etcd-${name}-`));
  const p = ServerProcess.start([
    ...['--port', '0', '--data-dir', dir, '--flush-ms', '20'],
    ...['--etcd', etcd.url, '--cluster', CLUSTER, '--name', name, '--lease-ttl', '5'],
  ]);
  const s = { p, dir };
  servers.push(s);
  await p.until(
    () => p.stdout.includes(`registered /clogs/${CLUSTER}/servers/${name}`),
    `${name} registered`,
  );
  return s;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clogs-cli-etcd-'));
  etcd = await EtcdCluster.start(1);
  await Promise.all([register('a'), register('b')]);
}, 30_000);
afterAll(async () => {
  for (const s of servers) s.p.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.p.exited));
  await Promise.all(servers.map((s) => rm(s.dir, { recursive: true, force: true })));
  await etcd?.close();
  await rm(work, { recursive: true, force: true });
});

/** Lines of 20 log files (sys_ids), so both servers get some; each message once. */
const lines = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `S${i % 20} TXT ${tag}-${i}\n`);

/** How often each message of `tag` was written, by server folder. */
async function counted(tag: string) {
  const per = await Promise.all(servers.slice(0, 2).map((s) => tally([s.dir])));
  const mine = (m: Map<string, number>) => [...m].filter(([msg]) => msg.startsWith(`${tag}-`));
  return { a: mine(per[0]!), b: mine(per[1]!), all: mine(await tally(servers.map((s) => s.dir))) };
}

describe('pipe mode with the fleet from etcd', () => {
  it('--etcd --cluster: every line lands once on the registered servers (both used), exit 0', async () => {
    const N = 2000;
    const r = await run(
      ['--etcd', etcd.url, '--cluster', CLUSTER, '--ack', '--timeout', '15000'],
      lines('p', N),
    );
    expect(r.err, 'the fleet notice').toMatch(/clogs-cli: fleet from etcd cli rev \d+: a b\n/);
    expect(r.code, r.err).toBe(0);
    const c = await counted('p');
    expect(c.all.length, 'distinct lines written').toBe(N);
    expect(
      c.all.filter(([, n]) => n !== 1),
      'lines written more than once',
    ).toEqual([]);
    expect(c.a.length, 'lines on server a').toBeGreaterThan(0);
    expect(c.b.length, 'lines on server b').toBeGreaterThan(0);
  });

  it("the config file's discovery, and --etcd, --cluster winning over its keys; --quiet says nothing", async () => {
    const file = join(work, 'etcd.json');
    await writeFile(file, JSON.stringify({ discovery: { etcd: [etcd.url], cluster: CLUSTER } }));
    const r = await run(['-c', file, '--ack', '--timeout', '15000', '-q'], lines('c', 200));
    expect(r, 'with the config file').toEqual({ code: 0, out: '', err: '' });
    const other = join(work, 'other-cluster.json');
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await writeFile(other, JSON.stringify({ discovery: { etcd: nowhere, cluster: 'nobody' } }));
    const argv = ['-c', other, '--etcd', etcd.url, '--cluster', CLUSTER, '--ack', '--timeout', '15000'];
    const f = await run(argv, lines('f', 200));
    expect(f.err, 'the etcd and cluster of the flags').toMatch(/fleet from etcd cli rev \d+: a b/);
    expect(f.code, f.err).toBe(0);
    for (const tag of ['c', 'f']) {
      const { all } = await counted(tag);
      expect(all.length, `distinct lines ${tag}- written`).toBe(200);
      expect(
        all.filter(([, n]) => n !== 1),
        `lines ${tag}- written more than once`,
      ).toEqual([]);
    }
  });

  it('a registered server that answers no ping is named before the summary: exit 75', async () => {
    // Bound, so no ICMP either: silence. Added by etcd's fleet, it is down until it answers.
    const mute = createSocket('udp4');
    await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
    const kv = new Etcd3({ hosts: etcd.urls });
    try {
      const value = JSON.stringify({ host: '127.0.0.1', port: mute.address().port, weight: 1 });
      await kv.put('/clogs/mute/servers/m').value(value);
      const r = await run(['--etcd', etcd.url, '--cluster', 'mute', '--timeout', '1500'], lines('mute', 3));
      expect(r.err).toContain(
        'clogs-cli: server m answered no ping within --timeout 1500 ms: nothing was sent to it\n',
      );
      expect(r.err).toContain('clogs-cli: 3 lines read, 0 sent, 0 refused, 3 undelivered\n');
      expect(r.code, r.err).toBe(75);
    } finally {
      kv.close();
      mute.close();
    }
  });

  it('one-shot says nothing when its record went (no fleet or up notice), exit 0', async () => {
    const r = await run(['--etcd', etcd.url, '--cluster', CLUSTER, '--ack', 'ONE', 'TXT', 'one-shot'], []);
    expect(r).toEqual({ code: 0, out: '', err: '' });
    const written = await tally(servers.slice(0, 2).map((s) => s.dir));
    expect(written.get('one-shot')).toBe(1);
  });

  it('records read while etcd never answers are undelivered at --timeout: exit 75', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const r = await run(['--etcd', nowhere, '--timeout', '500'], lines('never', 3));
    expect(r.code, r.err).toBe(75);
    expect(r.err).toContain('3 lines read, 0 sent');
  });
});

describe('one source for the fleet', () => {
  it("-s with --etcd, --cluster alone, --embedded with --etcd, --etcd with the file's servers: exit 64", async () => {
    const withServers = join(work, 'servers.json');
    await writeFile(withServers, JSON.stringify({ servers: ['127.0.0.1:7070'] }));
    const cases: [string[], string][] = [
      [
        ['-s', '127.0.0.1:7070', '--etcd', etcd.url],
        '-s names the servers, --etcd reads the servers from etcd: one or the other',
      ],
      [['--cluster', CLUSTER], '--cluster names a cluster in etcd: give --etcd too'],
      [
        ['--embedded', '--etcd', etcd.url],
        '--embedded adds a server to a fleet named here, --etcd reads the servers from etcd: not both',
      ],
      [
        ['-c', withServers, '--etcd', etcd.url],
        `${withServers} names the servers (servers), --etcd reads the servers from etcd`,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv, ['S TXT never sent\n']);
      expect({ code: r.code, err: r.err }, argv.join(' ')).toEqual({
        code: 64,
        err: expect.stringContaining(`${message}`) as string,
      });
      expect(r.err, argv.join(' ')).toContain('[ERR_CLI_USAGE]');
    }
  });

  it('a config file with both servers and discovery is a bad config: exit 78', async () => {
    const both = join(work, 'both.json');
    await writeFile(both, JSON.stringify({ servers: ['127.0.0.1:7070'], discovery: { etcd: etcd.url } }));
    const r = await run(['-c', both], ['S TXT never sent\n']);
    expect(r.code, r.err).toBe(78);
    expect(r.err).toContain('servers names the fleet, discovery reads it from etcd: one or the other');
  });
});

describe('the shell with the fleet from etcd', () => {
  const stop: (() => void)[] = [];
  afterEach(() => {
    for (const s of stop.splice(0)) s();
  });

  it('.servers says the source (cluster, revision, etcd connected); a server joining and leaving are notices', async () => {
    const file = join(work, 'shell.json');
    await writeFile(file, JSON.stringify({ discovery: { etcd: etcd.url, cluster: CLUSTER } }));
    const sh = shell(['-c', file]);
    stop.push(() => sh.stdin.end());
    await sh.waitFor(/fleet from etcd cli rev \d+: a b\n/, 0, 'the first fleet');
    await sh.type(
      '.servers',
      /from: etcd cli rev \d+, 2 servers; etcd http:\/\/127\.0\.0\.1:\d+ connected\n/,
    );
    expect(sh.seen.out).toMatch(/\n\s+a\s+127\.0\.0\.1:\d+\s+1\s/);
    expect(sh.seen.out).toMatch(/\n\s+b\s+127\.0\.0\.1:\d+\s+1\s/);
    await sh.type('.reload', /the fleet follows etcd \(cluster cli\): nothing to reload/);
    const from = sh.seen.out.length;
    const c = await register('c');
    await sh.waitFor(/fleet from etcd cli rev \d+: a b c \(\+c\)\n/, from, 'the notice of c joining');
    c.p.child.kill('SIGTERM');
    await sh.waitFor(/fleet from etcd cli rev \d+: a b \(-c\)\n/, from, 'the notice of c leaving');
    sh.stdin.write('.exit\n');
    expect(await sh.exited).toBe(0);
  });

  it('.servers with -s: a static list', async () => {
    const port = /listening on udp:\/\/\S+:(\d+)/.exec(servers[0]!.p.stdout)![1];
    const sh = shell(['-s', `127.0.0.1:${port} only`]);
    stop.push(() => sh.stdin.end());
    await sh.type('.servers', /from: static list, 1 server\n/);
    sh.stdin.write('.exit\n');
    expect(await sh.exited).toBe(0);
  });
});
