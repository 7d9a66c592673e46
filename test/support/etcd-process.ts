import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Etcd3, Range } from 'etcd3';

const execFileAsync = promisify(execFile);

function readPem(file: string): Buffer {
  return readFileSync(file);
}

const ENSURE = fileURLToPath(new URL('../../scripts/ensure-etcd.sh', import.meta.url));

let etcdBin: string | undefined;

/**
 * The etcd binary: found on PATH, or installed by scripts/ensure-etcd.sh (Debian's
 * etcd-server, when this is root on Debian). Where neither works this throws the
 * script's advice on how to install it: the etcd tests fail, they never skip.
 */
export function etcdBinary(): string {
  if (etcdBin !== undefined) return etcdBin;
  const onPath = () =>
    [...(process.env.PATH ?? '').split(delimiter), '/usr/bin']
      .filter((dir) => dir.startsWith('/'))
      .map((dir) => join(dir, 'etcd'))
      .find((file) => existsSync(file));
  let found = onPath();
  if (found === undefined) {
    const run = spawnSync('bash', [ENSURE], { encoding: 'utf8', timeout: 300_000 });
    found = onPath();
    if (run.status !== 0 || found === undefined) {
      throw new Error(`the etcd tests need an etcd server binary:\n${run.stderr}${run.error?.message ?? ''}`);
    }
  }
  etcdBin = found;
  return found;
}

/** A TCP port free on 127.0.0.1 now (the OS picks it; it is released before etcd binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** PEM files made by openssl for a TLS cluster: its CA, the members' certificate, a client's. */
export interface EtcdPki {
  /** The CA that signed every certificate here (`--etcd-ca`, `discovery.caFile`). */
  caFile: string;
  /** A client certificate and key (`--etcd-cert`/`--etcd-key`); the key is mode 0600. */
  certFile: string;
  keyFile: string;
  /** The members' certificate and key (subjectAltName IP:127.0.0.1). */
  serverCertFile: string;
  serverKeyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await execFileAsync('openssl', args, { cwd, timeout: 30_000 });
}

/**
 * Makes a CA, a server certificate for 127.0.0.1 (its subjectAltName from an
 * -extfile) and a client certificate, with the real openssl, in `dir`. The client's
 * CN names no etcd user, so with auth enabled only a password gives it rights.
 */
export async function makePki(dir: string): Promise<EtcdPki> {
  await mkdir(dir, { recursive: true });
  const key = (name: string) =>
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name], dir);
  await key('ca-key.pem');
  await openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca-key.pem',
      '-subj',
      '/CN=clogs-test-ca',
      '-days',
      '2',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  const sign = async (name: string, cn: string, ext: string) => {
    await key(`${name}-key.pem`);
    await openssl(
      ['req', '-new', '-key', `${name}-key.pem`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`],
      dir,
    );
    await writeFile(join(dir, `${name}.ext`), ext);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
    await chmod(join(dir, `${name}-key.pem`), 0o600);
  };
  await sign('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  await sign('client', 'clogs-test-client', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'client.pem'),
    keyFile: join(dir, 'client-key.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server-key.pem'),
  };
}

interface MemberConfig {
  name: string;
  pki: EtcdPki | undefined;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  initialCluster: string;
  token: string;
}

/** One real etcd process (a member), on 127.0.0.1 ports of its own and a temporary data folder. */
export class EtcdMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** What the current process printed (zap JSON lines), for failure messages. */
  log = '';
  private readonly waiters = new Set<() => void>();

  constructor(private readonly config: MemberConfig) {}

  get name(): string {
    return this.config.name;
  }

  /** `http(s)://127.0.0.1:<client port>`: what `--etcd` and `discovery.etcd` take. */
  get url(): string {
    return `${this.config.pki === undefined ? 'http' : 'https'}://127.0.0.1:${this.config.clientPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the process (again, after a kill: same ports, same data) and resolves once
   * it serves clients, which etcd says only after the member has joined a cluster
   * with a leader. `ready: false` returns at once (members of a new cluster wait for
   * each other).
   */
  async start(ready = true): Promise<void> {
    if (this.running) throw new Error(`etcd ${this.name} is running already`);
    const c = this.config;
    const peer = `http://127.0.0.1:${c.peerPort}`;
    // TLS on the client URL only (what clients and servers use); peers stay on loopback http.
    const tls =
      c.pki === undefined
        ? []
        : [
            `--cert-file=${c.pki.serverCertFile}`,
            `--key-file=${c.pki.serverKeyFile}`,
            `--trusted-ca-file=${c.pki.caFile}`,
            '--client-cert-auth',
          ];
    const child = spawn(
      etcdBinary(),
      [
        `--name=${c.name}`,
        `--data-dir=${c.dataDir}`,
        `--listen-client-urls=${this.url}`,
        `--advertise-client-urls=${this.url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=${c.initialCluster}`,
        `--initial-cluster-token=${c.token}`,
        '--initial-cluster-state=new',
        // Loopback round trips are µs: elections in a fraction of a second keep the tests short.
        '--heartbeat-interval=25',
        '--election-timeout=250',
        '--logger=zap',
        '--log-outputs=stderr',
        ...tls,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.log = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.log += s;
      for (const wake of [...this.waiters]) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (ready) await this.ready();
  }

  /** Waits, on its output, until the member serves clients (after `start(false)`); fails after `ms`. */
  async ready(ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    const child = this.child!;
    while (!/serving client traffic/.test(this.log)) {
      if (!this.running)
        throw new Error(`etcd ${this.name} exited before serving:\n${this.log.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`etcd ${this.name} not serving after ${ms} ms:\n${this.log.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          child.off('exit', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
        child.once('exit', done);
      });
    }
  }

  /** SIGKILL, as a crash: nothing is flushed, clients see the connection drop. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not gone within 5 s. */
  async stop(): Promise<void> {
    if (!this.running) return this.exited;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A set of etcd members forming one cluster; `urls` is what clients are given. */
export class EtcdCluster {
  private constructor(
    readonly members: EtcdMember[],
    private readonly root: string,
    /** With `{ tls: true }`: the CA and a client certificate and key for it. */
    readonly pki: EtcdPki | undefined,
  ) {}

  /** Where a test may keep files of its own (removed by close()). */
  get dir(): string {
    return this.root;
  }

  /**
   * An etcd3 client with full rights: the client certificate for a TLS cluster, and
   * root's password once auth is enabled.
   */
  admin(): Etcd3 {
    const pki = this.pki;
    return new Etcd3({
      hosts: this.urls,
      ...(pki === undefined
        ? {}
        : {
            credentials: {
              rootCertificate: readPem(pki.caFile),
              certChain: readPem(pki.certFile),
              privateKey: readPem(pki.keyFile),
            },
          }),
      ...(this.rootPassword === undefined ? {} : { auth: { username: 'root', password: this.rootPassword } }),
    });
  }

  private rootPassword: string | undefined;

  /**
   * Enables etcd's authentication: a root user (needed to enable it), and `user` with
   * `password` holding read-write rights on `/clogs/` only.
   */
  async enableAuth(user: string, password: string): Promise<void> {
    const etcd = this.admin();
    try {
      const rootPassword = `root-${process.pid}-${Date.now()}`;
      await etcd.role('root').create();
      await etcd.user('root').create(rootPassword);
      await etcd.user('root').addRole('root');
      await etcd.role('clogs').create();
      await etcd.role('clogs').grant({ permission: 'Readwrite', range: Range.prefix('/clogs/') });
      await etcd.user(user).create(password);
      await etcd.user(user).addRole('clogs');
      await etcd.auth.authEnable();
      this.rootPassword = rootPassword;
    } finally {
      etcd.close();
    }
  }

  get urls(): string[] {
    return this.members.map((m) => m.url);
  }

  /** `--etcd` form: the members' URLs joined by commas. */
  get url(): string {
    return this.urls.join(',');
  }

  /**
   * Starts `size` members (1 or 3, usually) and resolves once every one serves clients.
   * `tls`: the client URLs are https, with certificates made by openssl, and etcd asks
   * every client for a certificate its CA signed (`--client-cert-auth`).
   */
  static async start(size = 1, options: { tls?: boolean } = {}): Promise<EtcdCluster> {
    etcdBinary();
    const root = await mkdtemp(join(tmpdir(), 'clogs-etcd-'));
    const pki = options.tls === true ? await makePki(join(root, 'pki')) : undefined;
    const token = `clogs-test-${process.pid}-${Date.now()}`;
    const ports: { client: number; peer: number }[] = [];
    for (let i = 0; i < size; i++) ports.push({ client: await freePort(), peer: await freePort() });
    const initialCluster = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(',');
    const members = ports.map(
      (p, i) =>
        new EtcdMember({
          name: `m${i}`,
          pki,
          clientPort: p.client,
          peerPort: p.peer,
          dataDir: join(root, `m${i}`),
          initialCluster,
          token,
        }),
    );
    const cluster = new EtcdCluster(members, root, pki);
    try {
      for (const m of members) await m.start(false);
      for (const m of members) await m.ready();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Stops every member and removes their data. */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
    await rm(this.root, { recursive: true, force: true });
  }
}
