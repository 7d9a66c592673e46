// etcd secured as operators run it: TLS on an https://127.0.0.1 client URL with
// certificates made here by the real openssl, client certificates required
// (--client-cert-auth), and etcd's authentication enabled. Real clogs-server processes
// register in it; clients discover through it; rogue registrations are written beside them.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import { runServerCommand, ServerProcess } from '../../../test/support/server-process.js';
import { ClientError, createClient, type DiscoveryOptions } from '../src/index.js';
import { cleanup, tracked, up } from './discovery-helpers.js';
import { messages, until } from './helpers.js';

const USER = 'clogs';
const PASSWORD = 'correct horse battery staple';
let etcd: EtcdCluster;
let work: string;
let passwordFile: string;
let wrongPasswordFile: string;
const processes: ServerProcess[] = [];

beforeAll(async () => {
  etcd = await EtcdCluster.start(1, { tls: true });
  await etcd.enableAuth(USER, PASSWORD);
  work = await mkdtemp(join(tmpdir(), 'clogs-etcd-tls-'));
  passwordFile = join(work, 'etcd.pass');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  wrongPasswordFile = join(work, 'wrong.pass');
  await writeFile(wrongPasswordFile, 'not the password\n', { mode: 0o600 });
}, 30_000);

afterAll(async () => {
  await cleanup();
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await etcd?.close();
  await rm(work, { recursive: true, force: true });
});

/** Node says once that TLS to an IP address sets no ServerName (DEP0123): expected, not a fault. */
const withoutDep0123 = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l !== '' && !/DEP0123|node --trace-deprecation/.test(l))
    .join('\n');

/** The control characters in `text` (C0, DEL, C1): what a terminal would act on. */
const controls = (text: string) =>
  [...text].filter((ch) => ch.charCodeAt(0) < 0x20 || (ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f));

/** The `--etcd-*` flags of a server that may register: client certificate and password file. */
const secured = () => [
  ...['--etcd', etcd.url, '--etcd-ca', etcd.pki!.caFile],
  ...['--etcd-cert', etcd.pki!.certFile, '--etcd-key', etcd.pki!.keyFile],
  ...['--etcd-user', USER, '--etcd-password-file', passwordFile],
];

/** The `discovery` option of a client that may read the fleet. */
const discovery = (cluster: string): DiscoveryOptions => ({
  etcd: etcd.url,
  cluster,
  caFile: etcd.pki!.caFile,
  certFile: etcd.pki!.certFile,
  keyFile: etcd.pki!.keyFile,
  user: USER,
  passwordFile,
});

async function serve(cluster: string, name: string, etcdFlags: string[]) {
  const dir = await mkdtemp(join(work, 'server-'));
  const p = ServerProcess.start([
    ...['--port', '0', '--data-dir', dir, '--flush-ms', '20'],
    ...['--cluster', cluster, '--name', name, '--lease-ttl', '5', ...etcdFlags],
  ]);
  processes.push(p);
  return { p, dir, key: `/clogs/${cluster}/servers/${name}` };
}

function watched(options: DiscoveryOptions) {
  const c = tracked(
    createClient({ discovery: options, ping: { intervalMs: 100 }, delivery: 'at-least-once' }),
  );
  const warnings: string[] = [];
  c.on('warning', (err: Error) => warnings.push(err.message));
  return Object.assign(c, { warnings });
}

describe('etcd over TLS with client certificates and a password', () => {
  it('a server registers and a client discovers it; a record sent lands in its file', async () => {
    const s = await serve('tls1', 'log-a', secured());
    await s.p.until(() => s.p.stdout.includes(`registered ${s.key}`), 'the registration');
    const c = watched(discovery('tls1'));
    await until(() => up(c).includes('log-a'), 'log-a discovered and up');
    c.log('over TLS', { sysId: 'TLS', msgType: 'TXT', fileName: 'app' });
    await c.flush();
    expect(await messages(s.dir, 'TLS', 'app')).toEqual(['over TLS']);
    expect(c.warnings).toEqual([]);
    expect(withoutDep0123(s.p.stderr)).toBe('');
  });

  it('without the client certificate, the server is refused and says etcd is unreachable over TLS', async () => {
    const flags = secured().filter(
      (f, i, all) =>
        !['--etcd-cert', '--etcd-key'].includes(all[i - 1] ?? '') &&
        !['--etcd-cert', '--etcd-key'].includes(f),
    );
    const s = await serve('tls2', 'no-cert', flags);
    await s.p.until(() => /cannot register/.test(s.p.stderr), 'the refusal');
    const said = withoutDep0123(s.p.stderr);
    expect(said).toMatch(
      /cannot register \/clogs\/tls2\/servers\/no-cert at etcd https:\/\/127\.0\.0\.1:\d+/,
    );
    expect(said).toMatch(/TLS handshake refused by etcd: etcd requires a client certificate/);
    expect(said).not.toMatch(/registered/);
  });

  it('without the client certificate, a client is refused and warns, naming what may be missing', async () => {
    const { certFile: _c, keyFile: _k, ...rest } = discovery('tls1');
    const c = watched(rest);
    await until(() => c.warnings.length > 0, 'a warning');
    expect(c.warnings[0]).toMatch(
      /^etcd at https:\/\/127\.0\.0\.1:\d+ is unreachable \(TLS handshake refused by etcd: etcd requires a client certificate/,
    );
    expect(c.warnings[0]).not.toContain('\n');
    expect(c.stats().discovery?.revision).toBeUndefined();
  });

  it('a wrong password fails clearly, and nothing is registered', async () => {
    const flags = secured().map((f) => (f === passwordFile ? wrongPasswordFile : f));
    const s = await serve('tls3', 'wrong-pass', flags);
    await s.p.until(() => /cannot register/.test(s.p.stderr), 'the refusal');
    expect(withoutDep0123(s.p.stderr)).toMatch(
      /cannot register \/clogs\/tls3\/servers\/wrong-pass at etcd \S+: etcd refused the user clogs and password: authentication failed/,
    );
    const admin = etcd.admin();
    try {
      expect(await admin.get(s.key).string()).toBeNull();
    } finally {
      admin.close();
    }
  });

  it('a password file others may read is refused before anything starts (server exit 66, client ERR_CLIENT_BAD_OPTION)', async () => {
    const open = join(work, 'open.pass');
    await writeFile(open, `${PASSWORD}\n`);
    await chmod(open, 0o644);
    const flags = secured().map((f) => (f === passwordFile ? open : f));
    const r = await runServerCommand(['--port', '0', '--data-dir', join(work, 'never'), ...flags]);
    expect(r.code).toBe(66);
    expect(r.stderr).toContain(`--etcd-password-file ${open} may be read by group or others (mode 0644)`);
    expect(r.stdout).toBe('');
    let thrown: unknown;
    try {
      createClient({ discovery: { ...discovery('tls1'), passwordFile: open } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ClientError);
    expect((thrown as ClientError).code).toBe('ERR_CLIENT_BAD_OPTION');
    expect((thrown as ClientError).message).toContain(
      `discovery.passwordFile ${open} may be read by group or others`,
    );
  });
});

describe('registrations held to their bounds', () => {
  it('the server refuses --weight past 1000 and a --name with control bytes (exit 64)', async () => {
    const [big, evil] = await Promise.all([
      runServerCommand([
        '--port',
        '0',
        '--data-dir',
        join(work, 'never'),
        ...secured(),
        '--weight',
        '1000000',
      ]),
      runServerCommand([
        ...['--port', '0', '--data-dir', join(work, 'never'), ...secured()],
        ...['--name', 'log\u001b[2J\u0007'],
      ]),
    ]);
    expect(big.code).toBe(64);
    expect(big.stderr).toContain('--weight must be a whole number 1..1000, not 1000000');
    expect(evil.code).toBe(64);
    expect(evil.stderr).toContain('--name must be 1-255 of [A-Za-z0-9_.:[]-], not "log\\x1b[2J\\x07"');
    expect(controls(evil.stderr.trimEnd())).toEqual([]);
  });

  it('a client ignores a registration with weight 10^6 or a name with control bytes, warning with its key made safe', async () => {
    const s = await serve('rogue', 'log-a', secured());
    await s.p.until(() => s.p.stdout.includes(`registered ${s.key}`), 'the registration');
    const admin = etcd.admin();
    try {
      await admin
        .put('/clogs/rogue/servers/huge')
        .value(JSON.stringify({ host: '127.0.0.1', port: 9, weight: 1_000_000 }));
      await admin
        .put('/clogs/rogue/servers/evil\u001b]0;pwned\u0007')
        .value(JSON.stringify({ host: '127.0.0.1', port: 9, weight: 1 }));
    } finally {
      admin.close();
    }
    const c = watched(discovery('rogue'));
    await until(() => up(c).includes('log-a'), 'log-a up');
    await until(() => c.warnings.length >= 2, 'two warnings');
    expect(c.stats().servers.map((x) => x.name)).toEqual(['log-a']);
    const warned = c.warnings.join('\n');
    expect(warned).toContain(
      'ignored the registration /clogs/rogue/servers/huge = {"host":"127.0.0.1","port":9,"weight":1000000}: weight is not 1..1000',
    );
    expect(warned).toContain('ignored the registration /clogs/rogue/servers/evil\\x1b]0;pwned\\x07 = ');
    expect(warned).toContain('the name is not 1-255 of [A-Za-z0-9_.:[]-]');
    expect(controls(warned)).toEqual(['\n']); // the one that joins the two warnings
  });
});
