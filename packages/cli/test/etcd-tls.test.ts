// clogs-cli with the fleet from an etcd secured as operators run it: TLS on an
// https://127.0.0.1 URL with certificates made by the real openssl, client
// certificates required, authentication enabled. The --etcd-* flags, the config file's
// discovery keys and CLOGS_ETCD_PASSWORD; a clogs-server process registered there.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { run, tally } from './helpers.js';

const CLUSTER = 'cli-tls';
const USER = 'clogs';
const PASSWORD = 'tls and a password';
let etcd: EtcdCluster;
let work: string;
let passwordFile: string;
let server: { p: ServerProcess; dir: string };

beforeAll(async () => {
  etcd = await EtcdCluster.start(1, { tls: true });
  await etcd.enableAuth(USER, PASSWORD);
  work = await mkdtemp(join(tmpdir(), 'clogs-cli-etcd-tls-'));
  passwordFile = join(work, 'etcd.pass');
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  const dir = await mkdtemp(join(work, 'server-'));
  const p = ServerProcess.start([
    ...['--port', '0', '--data-dir', dir, '--flush-ms', '20', '--etcd', etcd.url, '--cluster', CLUSTER],
    ...['--name', 'a', ...tlsFlags(), '--etcd-user', USER, '--etcd-password-file', passwordFile],
  ]);
  server = { p, dir };
  await p.until(() => p.stdout.includes(`registered /clogs/${CLUSTER}/servers/a`), 'the registration');
}, 30_000);

afterAll(async () => {
  server?.p.child.kill('SIGKILL');
  await server?.p.exited;
  await etcd?.close();
  await rm(work, { recursive: true, force: true });
});

function tlsFlags(): string[] {
  const { caFile, certFile, keyFile } = etcd.pki!;
  return ['--etcd-ca', caFile, '--etcd-cert', certFile, '--etcd-key', keyFile];
}

describe('clogs-cli --etcd over TLS with a password', () => {
  it('the --etcd-* flags: a one-shot record lands on the registered server, exit 0', async () => {
    const r = await run(
      [
        ...['--etcd', etcd.url, '--cluster', CLUSTER, ...tlsFlags()],
        ...['--etcd-user', USER, '--etcd-password-file', passwordFile, '--ack', 'TLS', 'TXT', 'by-flags'],
      ],
      [],
    );
    expect(r, r.err).toEqual({ code: 0, out: '', err: '' });
    expect((await tally([server.dir])).get('by-flags')).toBe(1);
  });

  it("the config file's discovery keys, the password from CLOGS_ETCD_PASSWORD: exit 0", async () => {
    const { caFile, certFile, keyFile } = etcd.pki!;
    const file = join(work, 'tls.json');
    const discovery = { etcd: etcd.url, cluster: CLUSTER, caFile, certFile, keyFile, user: USER };
    await writeFile(file, JSON.stringify({ discovery }));
    const r = await run(['-c', file, '--ack', 'TLS', 'TXT', 'by-config'], [], {
      env: { CLOGS_ETCD_PASSWORD: PASSWORD },
    });
    expect(r, r.err).toEqual({ code: 0, out: '', err: '' });
    expect((await tally([server.dir])).get('by-config')).toBe(1);
  });

  it('a password file others may read: exit 66, naming it; --etcd-ca without --etcd: exit 64', async () => {
    const open = join(work, 'open.pass');
    await writeFile(open, PASSWORD);
    await chmod(open, 0o644);
    const r = await run(
      [
        ...['--etcd', etcd.url, '--cluster', CLUSTER, ...tlsFlags()],
        ...['--etcd-user', USER, '--etcd-password-file', open, 'TLS', 'TXT', 'never'],
      ],
      [],
    );
    expect(r.code, r.err).toBe(66);
    // The client's option the flag sets, and the file: what to chmod.
    expect(r.err).toBe(
      `clogs-cli: discovery.passwordFile ${open} may be read by group or others (mode 0644): refused; chmod 600 ${open} [ERR_CLIENT_BAD_OPTION]\n`,
    );
    const stray = await run(['-s', '127.0.0.1:9', '--etcd-ca', etcd.pki!.caFile, 'A', 'B', 'c'], []);
    expect(stray.code).toBe(64);
    expect(stray.err).toContain('--etcd-ca is for etcd: give --etcd too');
  });
});
