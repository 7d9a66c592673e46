// The packages as users get them: every package packed with pnpm (workspace versions
// written in), the tarballs installed with plain npm into fresh apps, and the READMEs'
// quick starts run there as they are written, ESM and CommonJS, against clogs-server
// processes started from the packed clogs-server. Every record is counted in the files.
// Needs the build (`pnpm run build`, which CI runs first). One pack and two installs
// are shared by every case: an app with @clogs/client alone (installed offline, from
// the tarballs only), and one with everything, pino and winston from the registry.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from './support/etcd-process.js';
import { ServerProcess } from './support/server-process.js';

const execFileAsync = promisify(execFile);

/**
 * The environment of a user's shell: without what pnpm puts in its children's
 * (NODE_PATH reaches this workspace's hoisted packages, etcd3 among them; npm_config_*
 * would set npm up as pnpm is).
 */
const USER_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'NODE_PATH' && !/^npm_/i.test(k)),
);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const PACKAGES = ['protocol', 'etcd', 'client', 'server', 'pino', 'winston', 'cli'] as const;
/** What the apps use of the registry: pinned, as the packages' own tests pin them. */
const PINO = '10.4.0';
const WINSTON = '3.19.0';
const ETCD3 = '1.1.2';

let work: string;
let clientApp: string;
let fullApp: string;
let etcdApp: string;
const tarballs = {} as Record<(typeof PACKAGES)[number], string>;
const servers: ServerProcess[] = [];

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await execFileAsync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    env: USER_ENV,
    timeout: 90_000,
    maxBuffer: 16 * 2 ** 20,
  });
  return stdout;
}

async function app(name: string, dependencies: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, dependencies }, null, 2));
  return dir;
}

beforeAll(async () => {
  for (const p of PACKAGES) {
    if (!existsSync(join(ROOT, 'packages', p, 'dist')))
      throw new Error(`packages/${p} is not built: run pnpm run build first`);
  }
  work = await mkdtemp(join(tmpdir(), 'clogs-npm-install-'));
  const packed = join(work, 'tarballs');
  // One pnpm for all of them: it writes the workspace's versions in for `workspace:*`.
  await execFileAsync('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', packed], {
    cwd: ROOT,
    timeout: 60_000,
    maxBuffer: 16 * 2 ** 20,
  });
  const files = await readdir(packed);
  for (const p of PACKAGES) {
    const file = files.find((f) => f.startsWith(`clogs-${p}-`) && f.endsWith('.tgz'));
    if (file === undefined)
      throw new Error(`pnpm pack made no tarball for packages/${p}: ${files.join(' ')}`);
    tarballs[p] = join(packed, file);
  }
  // @clogs/client's own dependency, @clogs/protocol 0.1.0, is met by the tarball beside it,
  // as the registry would meet it: nothing else may be needed (--offline proves it).
  clientApp = await app('client-app', {
    '@clogs/client': tarballs.client,
    '@clogs/protocol': tarballs.protocol,
  });
  fullApp = await app('full-app', {
    '@clogs/client': tarballs.client,
    '@clogs/protocol': tarballs.protocol,
    '@clogs/pino': tarballs.pino,
    '@clogs/winston': tarballs.winston,
    'clogs-server': tarballs.server,
    pino: PINO,
    winston: WINSTON,
  });
  // And one that asked for etcd: the client, the server and etcd3 beside them.
  etcdApp = await app('etcd-app', {
    '@clogs/client': tarballs.client,
    '@clogs/protocol': tarballs.protocol,
    'clogs-server': tarballs.server,
    etcd3: ETCD3,
  });
  await Promise.all([
    npm(['install', '--offline'], clientApp),
    npm(['install', '--prefer-offline'], fullApp),
    npm(['install', '--prefer-offline'], etcdApp),
  ]);
}, 180_000);

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** A clogs-server from the packed package, on a port of its own; resolves with its port and folder. */
async function packedServer(
  from = fullApp,
  extra: string[] = [],
): Promise<{ port: number; dir: string; s: ServerProcess }> {
  const dir = await mkdtemp(join(work, 'data-'));
  const bin = join(from, 'node_modules', 'clogs-server', 'bin', 'clogs-server.js');
  const args = [bin, '--port', '0', '--data-dir', dir, '--flush-ms', '20', ...extra];
  const child: ChildProcess = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: USER_ENV,
  });
  const s = new ServerProcess(child);
  servers.push(s);
  return { port: await s.port(), dir, s };
}

/** The code blocks of a README section, `lang` ones, in order. */
async function blocks(readme: string, lang: 'ts' | 'js', section?: string): Promise<string[]> {
  let text = await readFile(join(ROOT, readme), 'utf8');
  if (section !== undefined) {
    const at = text.indexOf(`\n## ${section}\n`);
    text = text.slice(at, text.indexOf('\n## ', at + 1));
  }
  return [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** A README example pointed at one local server: its `servers: [...]` line replaced. */
function pointed(code: string, port: number): string {
  const out = code.replace(/servers: \[.*\],/, `servers: ['127.0.0.1:${port} log-a'],`);
  expect(out, `an example without a servers line:\n${code}`).not.toBe(code);
  return out;
}

/** Runs `code` as `file` in `dir` with node; resolves with what it printed (it must exit 0). */
async function runIn(dir: string, file: string, code: string): Promise<{ stdout: string; stderr: string }> {
  await writeFile(join(dir, file), code);
  return execFileAsync(process.execPath, [file], { cwd: dir, timeout: 20_000, env: USER_ENV });
}

/** The lines of `<dir>/<sys>/<file>.log`, once there are `n` (the server writes within its flush). */
async function linesOf(dir: string, sys: string, file: string, n: number): Promise<string[]> {
  const path = join(dir, sys, `${file}.log`);
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length >= n || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A written line's message: what follows its six other fields (time level sys type head reserved). */
const messageOf = (line: string) => line.split(' ').slice(6).join(' ');

describe('npm i @clogs/client', () => {
  it('installs @clogs/client and @clogs/protocol and nothing else: no etcd3, no gRPC', async () => {
    // What is on disk, and what npm says of it: the optional peer it left out, nothing of its stack.
    expect(await readdir(join(clientApp, 'node_modules'))).toEqual(['.package-lock.json', '@clogs']);
    expect(await readdir(join(clientApp, 'node_modules', '@clogs'))).toEqual(['client', 'protocol']);
    const tree = await npm(['ls', '--all'], clientApp);
    expect(tree).toContain('UNMET OPTIONAL DEPENDENCY etcd3@^1.1.2');
    expect(tree).not.toMatch(/grpc|protobufjs|cockatiel/);
  });

  it("runs the README's quick start as ESM (.mjs) and as CommonJS (.cjs): every record lands", async () => {
    const [esm] = await blocks('packages/client/README.md', 'ts', 'Quick start');
    const [cjs] = await blocks('packages/client/README.md', 'js', 'Quick start');
    expect(cjs).toContain("require('@clogs/client')");
    const [a, b] = await Promise.all([packedServer(), packedServer()]);
    const [ranEsm, ranCjs] = await Promise.all([
      runIn(clientApp, 'quick-start.mjs', pointed(esm!, a.port)),
      runIn(clientApp, 'quick-start.cjs', pointed(cjs!, b.port)),
    ]);
    expect(ranEsm.stderr).toBe('');
    expect(ranCjs.stdout).toBe('sent\n');
    for (const { dir } of [a, b]) {
      expect((await linesOf(dir, 'PAY1', 'app', 1)).map(messageOf)).toEqual(['order 1234 accepted']);
      expect((await linesOf(dir, 'PAY1', 'trade', 1)).map(messageOf)).toEqual(['<trade id="9"/>']);
    }
  });

  it('discovery without etcd3 installed: ERR_CLIENT_NOT_INSTALLED, saying what to install', async () => {
    const code = `
const { createClient } = require('@clogs/client');
try {
  createClient({ discovery: { etcd: 'http://127.0.0.1:2379' } });
} catch (err) {
  console.log(err.code + ' ' + err.message);
}
`;
    const { stdout, stderr } = await runIn(clientApp, 'discovery.cjs', code);
    expect(stdout, stderr).toMatch(
      /^ERR_CLIENT_NOT_INSTALLED discovery needs the etcd3 package, .*: npm i etcd3/,
    );
  });
});

describe('the transports and the server, installed from the tarballs with pino and winston', () => {
  it('clogs-server without --etcd does not need etcd3; with --etcd it says what to install (exit 69)', async () => {
    const installed = await readdir(join(fullApp, 'node_modules'));
    expect(installed.filter((name) => /etcd3|grpc|protobufjs|cockatiel/.test(name))).toEqual([]);
    const bin = join(fullApp, 'node_modules', 'clogs-server', 'bin', 'clogs-server.js');
    const run = execFileAsync(process.execPath, [bin, '--port', '0', '--etcd', 'http://127.0.0.1:2379'], {
      cwd: fullApp,
      env: USER_ENV,
      timeout: 20_000,
    });
    const failed = await run.then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(69);
    expect(failed?.stderr).toMatch(/--etcd needs the etcd3 package, .*: npm i etcd3/);
  });

  it("the pino and winston READMEs' examples deliver from an app (ESM)", async () => {
    const [pinoExample] = await blocks('packages/pino/README.md', 'ts');
    const [winstonExample] = await blocks('packages/winston/README.md', 'ts');
    const [p, w] = await Promise.all([packedServer(), packedServer()]);
    await Promise.all([
      runIn(fullApp, 'pino-app.mjs', pointed(pinoExample!, p.port)),
      runIn(fullApp, 'winston-app.mjs', pointed(winstonExample!, w.port)),
    ]);
    const pinoLines = await linesOf(p.dir, 'PAY1', 'api', 1);
    expect(pinoLines.length, pinoLines.join('\n')).toBe(1);
    expect(pinoLines[0]).toMatch(/"order":1234,"msg":"accepted"/);
    const winstonLines = await linesOf(w.dir, 'PAY1', 'api', 1);
    expect(winstonLines.length, winstonLines.join('\n')).toBe(1);
    expect(winstonLines[0]).toMatch(/"message":"order accepted".*"order":1234/);
  });
});

describe('npm i @clogs/client clogs-server etcd3: the fleet from etcd, from the packed builds', () => {
  it('the packed server registers, a CommonJS app discovers it (the bundled worker) and delivers', async () => {
    const etcd = await EtcdCluster.start(1);
    try {
      const server = await packedServer(etcdApp, ['--etcd', etcd.url, '--name', 'log-a']);
      await server.s.until(
        () => server.s.stdout.includes('registered /clogs/default/servers/log-a'),
        'the registration',
      );
      const code = `
const { createClient } = require('@clogs/client');
const clogs = createClient({
  discovery: { etcd: ${JSON.stringify(etcd.url)} },
  delivery: 'at-least-once',
  defaults: { sysId: 'DISC', msgType: 'TXT', fileName: 'app' },
});
clogs.on('warning', (err) => console.error(err.message));
clogs.on('fleet', ({ servers }) => console.log('fleet ' + servers.join(' ')));
clogs.log('found through etcd');
clogs.flush().then(() => clogs.close());
`;
      const ran = await runIn(etcdApp, 'discover.cjs', code);
      expect(ran).toEqual({ stdout: 'fleet log-a\n', stderr: '' });
      expect((await linesOf(server.dir, 'DISC', 'app', 1)).map(messageOf)).toEqual(['found through etcd']);
    } finally {
      await etcd.close();
    }
  });
});
