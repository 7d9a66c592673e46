import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { readMessages } from './log-file.js';
import { ServerProcess } from './server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Real clogs-server processes, each with its own data folder; stopped cleanly to count. */
export interface ProcessFleet {
  servers: ServerProcess[];
  dirs: string[];
  /** `127.0.0.1:port name` specs. */
  specs: string[];
  /** Stops every server with SIGTERM (each writes what it holds first) and waits for it. */
  stop(): Promise<void>;
  /** The messages of `<sys>/<file>.log` on every server, servers in order. */
  messages(sys: string, file: string): Promise<string[]>;
  /** Removes the data folders (after `stop()`). */
  remove(): Promise<void>;
  /**
   * Records the servers took so far, once each has written everything it took to its
   * files (asked by SIGUSR1). With `atLeast`, asks again until the count reaches it;
   * fails after `ms` saying how many came.
   */
  written(atLeast?: number, ms?: number): Promise<number>;
}

/** A server's stats, from the line SIGUSR1 makes it print. */
async function stats(s: ServerProcess): Promise<{ records: number; writer: { pendingBytes: number } }> {
  const seen = s.stderr.length;
  s.child.kill('SIGUSR1');
  await s.until(() => s.stderr.indexOf('\n', seen) > 0, 'the stats line');
  return JSON.parse(/clogs-server stats (.*)\n/.exec(s.stderr.slice(seen))![1]!);
}

export async function startProcessFleet(n: number, args: string[] = []): Promise<ProcessFleet> {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await mkdtemp(join(tmpdir(), `clogs-app-${i}-`));
    dirs.push(dir);
    servers.push(ServerProcess.start(['--port', '0', '--data-dir', dir, '--quiet', ...args]));
  }
  const ports = await Promise.all(servers.map((s) => s.port()));
  let stopped: Promise<void> | undefined;
  return {
    servers,
    dirs,
    specs: ports.map((p, i) => `127.0.0.1:${p} log-${i}`),
    stop() {
      stopped ??= Promise.all(
        servers.map(async (s) => {
          if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
          await s.exited;
        }),
      ).then(() => undefined);
      return stopped;
    },
    async messages(sys, file) {
      const out: string[] = [];
      for (const dir of dirs) out.push(...(await readMessages(join(dir, sys, `${file}.log`))));
      return out;
    },
    async written(atLeast = 0, ms = 20_000) {
      const deadline = performance.now() + ms;
      for (;;) {
        const all = await Promise.all(servers.map(stats));
        const records = all.reduce((n, x) => n + x.records, 0);
        if (records >= atLeast && all.every((x) => x.writer.pendingBytes === 0)) return records;
        if (performance.now() > deadline) {
          throw new Error(`waited ${ms} ms for ${atLeast} records written; the servers have ${records}`);
        }
      }
    },
    async remove() {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

/** Specs of loopback ports nothing listens on (bound, then closed): every server down. */
export async function deadSpecs(n: number): Promise<string[]> {
  const specs: string[] = [];
  for (let i = 0; i < n; i++) {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    specs.push(`127.0.0.1:${socket.address().port} dead-${i}`);
    await new Promise<void>((resolve) => socket.close(resolve));
  }
  return specs;
}

/**
 * An app as a child process: `node [nodeArgs] file args`, from the repo root, its output
 * watched (the same watcher as a server's: `until`, `stdout`, `stderr`, `exited`).
 */
export function startApp(
  nodeArgs: string[],
  file: string,
  args: string[],
  env: Record<string, string> = {},
): ServerProcess {
  return new ServerProcess(
    spawn(process.execPath, [...nodeArgs, file, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    }),
  );
}

/** How an app ended, and how long it took from `startedAt`. */
export async function ended(
  app: ServerProcess,
  startedAt: number,
): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const code = await app.exited;
  const ms = performance.now() - startedAt;
  await app.until(
    () => app.child.stdout!.readableEnded && app.child.stderr!.readableEnded,
    'output to end',
    5000,
  );
  return { code, signal: app.child.signalCode, ms };
}

export interface AppCase {
  /** Node's own arguments (`--import tsx …` for a TypeScript app). */
  nodeArgs: string[];
  app: string;
  /** The app's arguments: mode, servers, delivery, count, file name. */
  mode: string;
  delivery: 'at-most-once' | 'at-least-once';
  count: number;
  file: string;
  /** The sys_id the app logs under, where its records are read back. */
  sys: string;
  env?: Record<string, string>;
  /** Sent once the app prints `logged`. */
  signal?: NodeJS.Signals;
}

/**
 * Runs an app against `fleet` to its end, waits until the servers have written what it
 * sent, and reads back the indexes of its `record <i>` messages.
 */
export async function runApp(fleet: ProcessFleet, c: AppCase) {
  const before = await fleet.written();
  const startedAt = performance.now();
  const app = startApp(
    c.nodeArgs,
    c.app,
    [c.mode, fleet.specs.join(','), c.delivery, String(c.count), c.file],
    c.env,
  );
  if (c.signal !== undefined) {
    await app.until(() => app.stdout.includes('logged\n'), 'the app to log', 30_000);
    app.child.kill(c.signal);
  }
  const end = await ended(app, startedAt);
  await fleet.written(before + c.count);
  return { ...end, app, got: recordIndexes(await fleet.messages(c.sys, c.file)) };
}

/** Node's arguments for an app in TypeScript, run from source. */
export const TSX = ['--import', 'tsx', '--conditions=source'];

/**
 * One clogs-server process for the tests of the file: started before them (after
 * building `build`, when given), stopped and its folder removed after them. `run(mode,
 * delivery)` runs the app against it to its end (runApp): `count` records under `sys`,
 * into the file `<mode>-alo` or `<mode>-amo` unless `file` is given; in mode `sigterm`
 * the app is sent SIGTERM once it has logged.
 */
export function useAppFleet(o: {
  nodeArgs: string[];
  app: string;
  count: number;
  sys: string;
  build?: string[];
}) {
  let fleet: ProcessFleet | undefined;
  beforeAll(
    async () => {
      if (o.build !== undefined) await ensureBuilt(o.build);
      fleet = await startProcessFleet(1);
    },
    o.build === undefined ? undefined : 240_000,
  );
  afterAll(async () => {
    await fleet?.stop();
    await fleet?.remove();
  });
  return {
    get fleet(): ProcessFleet {
      return fleet!;
    },
    run(
      mode: string,
      delivery: 'at-most-once' | 'at-least-once',
      more: { file?: string; env?: Record<string, string> } = {},
    ) {
      return runApp(fleet!, {
        nodeArgs: o.nodeArgs,
        app: o.app,
        mode,
        delivery,
        count: o.count,
        file: more.file ?? `${mode}-${delivery === 'at-least-once' ? 'alo' : 'amo'}`,
        sys: o.sys,
        ...(more.env === undefined ? {} : { env: more.env }),
        ...(mode === 'sigterm' ? { signal: 'SIGTERM' as const } : {}),
      });
    },
  };
}

/** Indexes `i` of messages holding `record <i>` (as the apps write them), sorted; others are left out. */
export function recordIndexes(messages: string[]): number[] {
  const out: number[] = [];
  for (const m of messages) {
    const match = /record (\d+)\b/.exec(m);
    if (match !== null) out.push(Number(match[1]));
  }
  return out.sort((a, b) => a - b);
}

/** 0 … n-1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Whether a package's dist is older than its sources (or missing). */
async function stale(pkg: string): Promise<boolean> {
  const dir = join(ROOT, 'packages', pkg);
  const { stat } = await import('node:fs/promises');
  let built: number;
  try {
    built = (await stat(join(dir, 'dist', 'index.cjs'))).mtimeMs;
  } catch {
    return true;
  }
  const newest = async (d: string): Promise<number> => {
    let max = 0;
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      max = Math.max(max, e.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
    }
    return max;
  };
  const inputs = Math.max(
    await newest(join(dir, 'src')),
    (await stat(join(dir, 'package.json'))).mtimeMs,
    (await stat(join(dir, 'tsup.config.ts'))).mtimeMs,
  );
  return inputs > built;
}

/**
 * Builds `packages` (in the order given: dependencies first) whose dist is missing or
 * older than their sources. For tests of what runs where TypeScript cannot (pino's
 * worker thread loads the built package, as a user's does); `pnpm test` builds first.
 */
export async function ensureBuilt(packages: string[]): Promise<void> {
  for (const pkg of packages) {
    if (!(await stale(pkg))) continue;
    const tsup = join(ROOT, 'node_modules', '.bin', 'tsup');
    const child = spawn(tsup, [], { cwd: join(ROOT, 'packages', pkg), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`building ${pkg} failed (${code}): ${err}`);
  }
}
