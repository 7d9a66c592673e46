import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeLevels } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { until } from './helpers.js';

// The shell for real, under a pseudo-terminal: util-linux `script` runs it on a pty
// and passes our keystrokes through.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Pty {
  child: ChildProcess;
  out(): string;
  /** Types keys, then waits until the output after them matches. */
  keys(keys: string, expect: string | RegExp, what?: string): Promise<string>;
}

async function pty(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Pty> {
  const home = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-'));
  const command = [process.execPath, '--import', 'tsx', '--conditions=source', BIN, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, HOME: home, TERM: 'xterm', NO_COLOR: undefined, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const exited = once(child, 'exit');
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
    await rm(home, { recursive: true, force: true });
  });
  return {
    child,
    out: () => out,
    async keys(keys, expect, what) {
      const from = out.length;
      child.stdin!.write(keys);
      const hit = () =>
        typeof expect === 'string' ? out.includes(expect, from) : expect.test(out.slice(from));
      await until(hit, what ?? `${JSON.stringify(expect)} after ${JSON.stringify(keys)}`, 15_000);
      return out.slice(from);
    },
  };
}

describe('the shell under a pseudo-terminal', () => {
  it('prompt, completion, events above the line being typed, Ctrl-C clears then twice exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-data-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const doomed = ServerProcess.start(['--port', '0', '--data-dir', join(dir, 'doomed')]);
    cleanups.push(async () => {
      doomed.child.kill('SIGKILL');
      await doomed.exited;
    });
    const config = join(dir, 'fleet.json');
    await writeFile(
      config,
      JSON.stringify({
        servers: [`127.0.0.1:${await doomed.port()} dead`],
        client: { ping: { intervalMs: 100, failureLimit: 2 } },
      }),
    );
    const sh = await pty(['--embedded', '--data-dir', join(dir, 'data'), '-c', config]);
    await until(() => sh.out().includes('clogs\x1b[39m \x1b[2mCLI/TXT/cli'), 'the coloured prompt', 15_000);
    // completion: a unique prefix completes, its argument too
    await sh.keys('.rou\t', 'te');
    await sh.keys(' PAY1 cli\r', /PAY1\/cli → (embedded|dead)/, 'the route of a completed .route');
    await sh.keys('.set le\t', 'vel');
    const set = await sh.keys(' loud\r', 'level must be one of', 'the completed .set level to run');
    expect(set).not.toContain('usage');
    expect(set.replace(/\s+/g, ' ')).toContain(`level must be one of ${describeLevels()}; not "loud"`);
    // a valid level the old list did not have: taken in silence
    expect(await sh.keys('.set level trace\r', 'clogs')).not.toContain('must be');
    // an event arrives while a line is half typed: it goes above, the line is drawn again
    await sh.keys('PAY1 TXT half typed', 'half typed');
    doomed.child.kill('SIGKILL');
    await until(
      () => /server dead down[\s\S]*PAY1 TXT half typed/.test(sh.out()),
      'the line drawn again below the event',
      15_000,
    );
    // Ctrl-C clears the line: Enter then sends nothing
    await sh.keys('\x03', 'clogs');
    await sh.keys('\r', 'clogs');
    await sh.keys('PAY1 TXT sent\r', 'PAY1/TXT/cli');
    await sh.keys('\x03', 'Ctrl-C again');
    await sh.keys('\x03', 'records sent');
    const [code] = (await once(sh.child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(sh.out()).toContain('1 records sent, 0 refused');
    expect(await readFile(join(dir, 'data', 'PAY1', 'cli.log'), 'latin1')).toMatch(
      / TRACE PAY1 TXT 0 - sent\n$/,
    );
  }, 30_000);

  it('no colour with NO_COLOR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-data-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sh = await pty(['--data-dir', join(dir, 'data')], { NO_COLOR: '1' });
    await until(() => sh.out().includes('clogs CLI/TXT/cli>'), 'the plain prompt', 15_000);
    await sh.keys('\x04', 'records sent');
    expect(sh.out()).not.toContain('\x1b[36m');
  }, 30_000);
});
