import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseLine } from 'clogs-server';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type CliIo, main } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));

/** Runs main() on injected streams: `input` is stdin (not a TTY, so pipe mode). */
export async function run(
  argv: string[],
  input: (string | Buffer)[] | Readable,
  signals = new EventEmitter(),
  onStderr?: (all: string) => void,
) {
  const stdout = new PassThrough();
  // A live reader (onStderr) stands for a terminal: stderr says it is a TTY.
  const stderr = Object.assign(new PassThrough(), { isTTY: onStderr !== undefined });
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    onStderr?.(err);
  });
  const stdin = Array.isArray(input) ? Readable.from(input.map((x) => Buffer.from(x))) : input;
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: {},
    signals,
    version: '0.0.0-test',
    historyFile: undefined,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** clogs-cli as a real process, run from source. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=source', BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Every message in every `.log` file under the folders, with how often it was written. */
export async function tally(dirs: string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = (await readdir(dir, { recursive: true })) as string[];
    } catch {
      continue;
    }
    for (const name of entries.filter((n) => n.endsWith('.log'))) {
      const text = await readFile(join(dir, name));
      for (let at = 0, lf = text.indexOf(0x0a); lf >= 0; at = lf + 1, lf = text.indexOf(0x0a, at)) {
        const msg = parseLine(text.subarray(at, lf))!.msg.toString('latin1');
        seen.set(msg, (seen.get(msg) ?? 0) + 1);
      }
    }
  }
  return seen;
}

/** Waits until `test()` holds, re-checking every few ms; fails after `ms`. */
export async function until(
  test: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * clogs-server processes, each on port 0 with its own folder; `cleanups` gets what
 * kills them and removes the folders. `stop()` stops them cleanly (SIGTERM: every
 * buffered line written and fsynced) and checks they exited 0.
 */
export async function serverFleet(n: number, args: string[], cleanups: (() => Promise<void>)[]) {
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await mkdtemp(join(tmpdir(), `clogs-cli-proc-${i}-`));
    dirs.push(dir);
    procs.push(ServerProcess.start(['--port', '0', '--data-dir', dir, ...args]));
  }
  cleanups.push(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const ports = await Promise.all(procs.map((p) => p.port()));
  return {
    dirs,
    procs,
    specs: ports.map((port, i) => `127.0.0.1:${port} s${i}`),
    async stop() {
      for (const p of procs) p.child.kill('SIGTERM');
      const codes = await Promise.all(procs.map((p) => p.exited));
      if (codes.some((c) => c !== 0)) throw new Error(`a server exited ${codes.join(', ')}`);
    },
  };
}

/** Ends when the process does: its exit code and what it wrote on stderr. */
export async function exit(child: ChildProcess) {
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, err };
}
