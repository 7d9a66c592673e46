import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ClogsServer, createServer } from 'clogs-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli, tally } from './helpers.js';

const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let dir: string;
const servers: ClogsServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-cli-examples-'));
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const s of servers.splice(0)) await s.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A folder set up as a user's would be for the examples: `clogs-cli` on PATH (the
 * program from source), `app` printing two lines, `alert` failing loudly, and the files
 * the examples name. 10.0.0.5:7070 and 10.0.0.6:7070 stand for two real servers.
 */
async function workspace() {
  for (let i = 0; i < 2; i++) {
    servers.push(await createServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, `data${i}`) }));
  }
  const [a, b] = servers.map((s) => `127.0.0.1:${s.address.port}`);
  const cwd = join(dir, 'work');
  const bin = join(dir, 'bin');
  await mkdir(cwd);
  await mkdir(bin);
  const script = async (name: string, body: string) => {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(bin, name), 0o755);
  };
  await script('clogs-cli', `exec "${process.execPath}" --import ${TSX} --conditions=source "${BIN}" "$@"`);
  await script('app', "printf 'app started\\napp done\\n'");
  await script('alert', 'echo ALERT >&2; exit 9');
  await writeFile(join(cwd, 'fleet.json'), JSON.stringify({ servers: [`${a} log-a`] }));
  for (const name of ['trades', 'yesterday', 'today']) {
    await writeFile(join(cwd, `${name}.log`), `PAY1 TXT ${name} line\n`);
  }
  /** Runs an example as pasted into sh, stdin not a terminal; its exit code and stderr. */
  const paste = (example: string) => {
    const line = example.replaceAll('10.0.0.5:7070', a!).replaceAll('10.0.0.6:7070', b!);
    return new Promise<{ code: number; err: string }>((resolve) => {
      const child = execFile(
        'sh',
        ['-c', line],
        { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: dir } },
        (error, _out, err) => resolve({ code: error === null ? 0 : Number(error.code), err }),
      );
      // stdin: an empty pipe, as from a script
      child.stdin?.end();
      cleanups.push(async () => void child.kill('SIGKILL'));
    });
  };
  return { paste, dataDirs: [join(dir, 'data0'), join(dir, 'data1'), join(cwd, 'clogs-data')] };
}

/** The example commands of a text: indented lines in the block after `start`, up to `end`. */
function examples(text: string, start: string, end: string): string[] {
  const from = text.indexOf(start);
  const to = text.indexOf(end, from + start.length);
  expect(from, `where the examples start: ${start}`).toBeGreaterThanOrEqual(0);
  expect(to, `where the examples end: ${end}`).toBeGreaterThan(from);
  return (
    text
      .slice(from + start.length, to)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /(^|\| )clogs-cli\b/.test(l))
      // The --etcd examples name etcd hosts; etcd.test.ts runs that form against a real etcd.
      .filter((l) => !l.includes('--etcd'))
      // --follow runs until signalled; follow.test.ts runs that form against real files.
      .filter((l) => !l.includes('--follow'))
  );
}

describe('the examples work when pasted into a shell', () => {
  it('every example of --help exits 0 and delivers what it sends', async () => {
    const help = await startCli(['--help']).exited;
    expect(help.code).toBe(0);
    const list = examples(help.out, '\nExamples:\n', '\n\n');
    expect(list.length, 'examples in --help').toBe(9);
    const w = await workspace();
    for (const example of list) {
      const { code, err } = await w.paste(example);
      expect({ example, code, err }).toEqual({ example, code: 0, err: expect.not.stringContaining('ALERT') });
    }
    for (const s of servers) await s.flush();
    const seen = await tally(w.dataDirs);
    for (const msg of [
      'disk full on /var',
      'deploy 42 done',
      'app started',
      'trades line',
      'today line',
      'pan=411111******1111',
    ]) {
      expect(seen.get(msg), `"${msg}" in the servers' files`).toBeGreaterThanOrEqual(1);
    }
  }, 60_000);

  it('so does every example at the top of the README', async () => {
    const readme = await readFile(README, 'utf8');
    const list = examples(readme, '```sh\n', '```');
    expect(list.length, 'examples at the top of the README').toBe(5);
    const w = await workspace();
    for (const example of list) {
      const { code, err } = await w.paste(example);
      expect({ example, code, err }).toEqual({ example, code: 0, err: expect.not.stringContaining('ALERT') });
    }
  });
});
