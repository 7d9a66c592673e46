import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type ClogsServer, createServer } from 'clogs-server';
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { readParsedLines } from '../../../test/support/log-file.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type CliIo, main } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
/** A client config: a ping every 200 ms, a server taken down after 3 unanswered. */
export const FAST_PING = join(import.meta.dirname, 'fixtures', 'fast-ping.json');

/** What to undo after each test of the file, undone in the order pushed. */
export function useCleanups(): (() => Promise<void>)[] {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  return cleanups;
}

/** A fresh folder under the system's temporary one for each test of the file (`.dir`), removed after it. */
export function useTempDir(prefix: string): { readonly dir: string } {
  const folder = { dir: '' };
  beforeEach(async () => {
    folder.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(() => rm(folder.dir, { recursive: true, force: true }));
  return folder;
}

/** serverFleet() for the tests of the file: what a test starts is stopped after it, with its other cleanups. */
export function useFleet() {
  const cleanups = useCleanups();
  return { cleanups, fleet: (n: number, args: string[] = []) => serverFleet(n, args, cleanups) };
}

/**
 * An in-process clogs-server for the tests of the file: each test gets a fresh
 * temporary folder `dir`; `start()` opens the server on port 0 with its files under
 * `dir/data` and returns its spec (`127.0.0.1:<port> one`). After each test its
 * `cleanups` run, then the server is closed and the folder removed.
 */
export function useServer(prefix: string) {
  const local = {
    dir: '',
    server: undefined as ClogsServer | undefined,
    cleanups: [] as (() => Promise<void>)[],
    async start(options: Parameters<typeof createServer>[0] = {}) {
      local.server = await createServer({
        host: '127.0.0.1',
        port: 0,
        dataDir: join(local.dir, 'data'),
        ...options,
      });
      return `127.0.0.1:${local.server.address.port} one`;
    },
  };
  beforeEach(async () => {
    local.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const c of local.cleanups.splice(0)) await c();
    await local.server?.close();
    local.server = undefined;
    await rm(local.dir, { recursive: true, force: true });
  });
  return local;
}

/**
 * Runs main() on injected streams: `input` is stdin (not a TTY, so pipe mode). A live
 * reader (`onStderr`) stands for a terminal: stderr then says it is a TTY, `columns`
 * wide (resize it with `resize()`).
 */
export async function run(
  argv: string[],
  input: (string | Buffer)[] | Readable,
  o: {
    signals?: EventEmitter;
    onStderr?: (all: string) => void;
    columns?: number;
    resize?: (resize: (columns: number) => void) => void;
    env?: NodeJS.ProcessEnv;
  } = {},
) {
  const { signals = new EventEmitter(), onStderr } = o;
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: onStderr !== undefined, columns: o.columns });
  o.resize?.((columns) => {
    stderr.columns = columns;
    stderr.emit('resize');
  });
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
    env: o.env ?? {},
    signals,
    version: '0.0.0-test',
    historyFile: undefined,
  };
  const code = await main(argv, io);
  return { code, out, err };
}

export interface CliProcess {
  child: ChildProcess;
  /** What it wrote so far: stdout, and stderr (under a pty both come as `out`). */
  out(): string;
  err(): string;
  /** Waits until what it writes after `from` (an index into out()) holds `expect`; returns that part. */
  waitFor(wanted: string | RegExp, from?: number, timeout?: number): Promise<string>;
  /** Its exit code (null for a signal) and everything it wrote. */
  exited: Promise<{ code: number | null; out: string; err: string }>;
}

/**
 * clogs-cli as a real process, run from source, its output collected. With `pty` it
 * runs under a pseudo-terminal (util-linux `script`, which passes keystrokes written
 * to stdin through): stdin, stdout and stderr are then a terminal, and `before` is
 * shell run on it first (`stty cols 30 &&`). `node` adds Node flags before the
 * program. The process is SIGKILLed after the test if still running.
 */
export function startCli(
  args: string[],
  o: {
    env?: NodeJS.ProcessEnv;
    pty?: boolean;
    before?: string;
    node?: string[];
    cleanups?: (() => Promise<void>)[];
  } = {},
): CliProcess {
  const argv = [process.execPath, ...(o.node ?? []), '--import', 'tsx', '--conditions=source', BIN, ...args];
  const env = { ...process.env, ...o.env };
  const command = `${o.before ?? ''} ${argv.map(quote).join(' ')}`;
  const child = o.pty
    ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env })
    : spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
  o.cleanups?.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    async waitFor(wanted, from = 0, timeout = 15_000) {
      return vi.waitFor(
        () => {
          const after = out.slice(from);
          if (typeof wanted === 'string') expect(after).toContain(wanted);
          else expect(after).toMatch(wanted);
          return after;
        },
        { timeout, interval: 10 },
      );
    },
  };
}

/**
 * The shell on injected streams: stdin says it is a TTY, so main() opens the shell.
 * `type` writes a line and waits until the output after it holds `wanted`, returning
 * that output; `waitFor` waits the same way for what comes unasked.
 */
export function shell(argv: string[], historyFile?: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const seen = { out: '', err: '' };
  stdout.setEncoding('utf8').on('data', (s: string) => {
    seen.out += s;
  });
  stderr.setEncoding('utf8').on('data', (s: string) => {
    seen.err += s;
  });
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: {},
    signals: new EventEmitter(),
    version: 't',
    historyFile,
  };
  const exited = main(argv, io);
  const waitFor = (wanted: string | RegExp, from: number, what: string) =>
    vi.waitFor(
      () => {
        const after = seen.out.slice(from);
        if (typeof wanted === 'string') expect(after, what).toContain(wanted);
        else expect(after, what).toMatch(wanted);
        return after;
      },
      { timeout: 10_000, interval: 10 },
    );
  const type = async (line: string, wanted: string | RegExp) => {
    const from = seen.out.length;
    stdin.write(`${line}\n`);
    return waitFor(wanted, from, `after ${line}`);
  };
  return { type, waitFor, exited, seen, stdin };
}

const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;

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
      for (const line of await readParsedLines(join(dir, name))) {
        const msg = line.msg.toString('latin1');
        seen.set(msg, (seen.get(msg) ?? 0) + 1);
      }
    }
  }
  return seen;
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
      expect(codes, 'the exit codes of the servers stopped by SIGTERM').toEqual(procs.map(() => 0));
    },
  };
}

/**
 * What each draw of the progress line put on it: the text after each clear (`\r` ESC
 * `[K`) up to the next CR, LF or ESC; the summary line (`clogs-cli: ...`) left out.
 */
export function progressDraws(text: string): string[] {
  return text
    .split('\r\x1b[K')
    .slice(1)
    .map((seg) => {
      const stops = ['\r', '\n', '\x1b'].map((c) => seg.indexOf(c)).filter((at) => at >= 0);
      return seg.slice(0, stops.length === 0 ? seg.length : Math.min(...stops));
    })
    .filter((d) => !d.startsWith('clogs-cli:'));
}
