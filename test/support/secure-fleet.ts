import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLine } from 'clogs-server';
import { afterEach } from 'vitest';
import { ServerProcess } from './server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));

/** What a test undoes after each of its cases, last first. */
export function useCleanups(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

export async function tempDir(cleanups: (() => Promise<void> | void)[]): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'clogs-sec-'));
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A key file as keygen writes it (64 hex digits, mode 0600), and the key's bytes. */
export async function keyFile(dir: string, name: string): Promise<{ path: string; key: Buffer }> {
  let key: Buffer;
  do key = randomBytes(32);
  while (new Set(key).size < 16);
  const path = join(dir, name);
  await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600 });
  return { path, key };
}

/**
 * A client config with a fast ping: a server is known up at once, and down (no PONG, or
 * PONGs and no ACK) within 1.5 s, which a loaded machine's ACK-after-write stays within.
 */
export async function fastPingConfig(dir: string): Promise<string> {
  const path = join(dir, 'fast-ping.json');
  await writeFile(path, JSON.stringify({ client: { ping: { intervalMs: 250, failureLimit: 6 } } }));
  return path;
}

/** A clogs-server process on 127.0.0.1, port 0, flushing every 20 ms; killed after the test if still running. */
export function startServer(cleanups: (() => Promise<void> | void)[], args: string[]): ServerProcess {
  const p = ServerProcess.start(['--port', '0', '--flush-ms', '20', ...args]);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });
  return p;
}

export interface Stats {
  frames: number;
  records: number;
  datagrams: number;
  duplicates: number;
  replayed: number;
  conflicts: number;
  dropped: Record<string, number>;
  errors: Record<string, number>;
  writer: { writable: boolean };
}

/** The server's stats now: SIGUSR1, and the line it prints. */
export async function statsOf(p: ServerProcess): Promise<Stats> {
  const from = p.stderr.length;
  p.child.kill('SIGUSR1');
  const re = /clogs-server stats (\{.*\})\n/;
  await p.until(() => re.test(p.stderr.slice(from)), 'a stats line');
  return JSON.parse(re.exec(p.stderr.slice(from))![1]!) as Stats;
}

/** Polls the server's stats (each poll an answer to SIGUSR1) until `test` holds; bounded. */
export async function statsUntil(
  p: ServerProcess,
  test: (s: Stats) => boolean,
  what: string,
): Promise<Stats> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await statsOf(p);
    if (test(s)) return s;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last stats ${JSON.stringify(s)}`);
  }
}

/** Stops a server (SIGTERM, exit 0) and returns the stats of its exit line. */
export async function stopServer(p: ServerProcess): Promise<Stats> {
  p.child.kill('SIGTERM');
  const code = await p.exited;
  if (code !== 0) throw new Error(`clogs-server exited ${code}: ${p.stderr}`);
  const line = /clogs-server stopped (\{.*\})/.exec(p.stderr);
  if (line === null) throw new Error(`no exit line in: ${p.stderr}`);
  return JSON.parse(line[1]!) as Stats;
}

/** Every refusal the stats count: each `dropped` reason and `replayed`. */
export const refusedOf = (s: Stats) => Object.values(s.dropped).reduce((a, b) => a + b, 0) + s.replayed;

export interface CliRun {
  exited: Promise<{ code: number | null; stderr: string }>;
  stderr(): string;
  /** More lines on stdin (when started with `keepOpen`), and the end of it. */
  write(lines: string[]): void;
  end(): void;
}

/** clogs-cli from source, its stdin a real pipe fed `lines` (then closed, unless `keepOpen`). */
export function runCli(args: string[], lines: string[], keepOpen = false): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CLI, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.stdin.on('error', () => {}); // a cli that exits early: its stdin is closed
  if (keepOpen) child.stdin.write(lines.join(''));
  else child.stdin.end(lines.join(''));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stderr }));
  });
  return {
    exited,
    stderr: () => stderr,
    write: (more) => child.stdin.write(more.join('')),
    end: () => child.stdin.end(),
  };
}

/** The messages of every line of `<dataDir>/<sys>/<file>.log`, in order; [] when there is no file. */
export async function messages(dataDir: string, sys: string, file: string): Promise<string[]> {
  const text = await readFile(join(dataDir, sys, `${file}.log`)).catch(() => Buffer.alloc(0));
  const out: string[] = [];
  for (let at = 0, lf = text.indexOf(0x0a); lf >= 0; at = lf + 1, lf = text.indexOf(0x0a, at)) {
    out.push(parseLine(text.subarray(at, lf))!.msg.toString());
  }
  return out;
}

/** Waits, polling the file (bounded), until `<dataDir>/<sys>/<file>.log` holds at least `n` lines. */
export async function linesReach(
  dataDir: string,
  sys: string,
  file: string,
  n: number,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await readFile(join(dataDir, sys, `${file}.log`)).catch(() => Buffer.alloc(0));
    let count = 0;
    for (let at = text.indexOf(0x0a); at >= 0; at = text.indexOf(0x0a, at + 1)) count++;
    if (count >= n) return;
    if (Date.now() > deadline)
      throw new Error(`${sys}/${file}.log has ${count} lines, not ${n}, after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every `.log` file under `dir`, relative. */
export async function logFiles(dir: string): Promise<string[]> {
  const all = (await readdir(dir, { recursive: true }).catch(() => [])) as string[];
  return all.filter((f) => f.endsWith('.log')).sort();
}

/** Whether each of `expected` is in `got` exactly once, and nothing else is: a readable diff. */
export function exactlyOnce(
  got: string[],
  expected: string[],
): { missing: string[]; repeated: string[]; other: string[] } {
  const counts = new Map<string, number>();
  for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
  const want = new Set(expected);
  return {
    missing: expected.filter((e) => !counts.has(e)).slice(0, 10),
    repeated: [...counts]
      .filter(([m, n]) => n > 1 && want.has(m))
      .map(([m]) => m)
      .slice(0, 10),
    other: [...counts.keys()].filter((m) => !want.has(m)).slice(0, 10),
  };
}
