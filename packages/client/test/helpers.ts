import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClogsServer, createServer, type ParsedLine, type ServerOptions } from 'clogs-server';
import { afterEach, expect, vi } from 'vitest';
import { readMessages, readParsedLines } from '../../../test/support/log-file.js';
import type { ClogsClient } from '../src/index.js';

export interface Fleet {
  servers: ClogsServer[];
  dirs: string[];
  /** `host:port name` specs for the client. */
  specs: string[];
  close(): Promise<void>;
}

/** Real servers on 127.0.0.1, port 0, each writing to its own temporary folder. */
export async function startFleet(n: number, options: ServerOptions = {}): Promise<Fleet> {
  const servers: ClogsServer[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await mkdtemp(join(tmpdir(), `clogs-client-test-${i}-`));
    dirs.push(dir);
    servers.push(await createServer({ host: '127.0.0.1', port: 0, dataDir: dir, ...options }));
  }
  return {
    servers,
    dirs,
    specs: servers.map((s, i) => `127.0.0.1:${s.address.port} log-${i}`),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

/**
 * `vi.waitFor` options for waiting on the network: re-checks every 5 ms (loopback
 * answers in well under that), fails after 10 s with the last assertion's message.
 */
export const POLL = { timeout: 10_000, interval: 5 } as const;

/** `vi.waitFor` for a condition with no value to compare: fails naming what it waited for. */
export async function until(test: () => boolean, what: string, ms: number = POLL.timeout): Promise<void> {
  await vi.waitFor(
    () => {
      if (!test()) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    },
    { timeout: ms, interval: POLL.interval },
  );
}

/**
 * The fleet and client each test of the file opens, kept in `t.fleet` and `t.client`:
 * after the test the client is closed (1 s for its last flush), then the fleet.
 */
export function useFleet(): { fleet: Fleet | undefined; client: ClogsClient | undefined } {
  const t: { fleet: Fleet | undefined; client: ClogsClient | undefined } = {
    fleet: undefined,
    client: undefined,
  };
  afterEach(async () => {
    await t.client?.close({ timeoutMs: 1000 });
    t.client = undefined;
    await t.fleet?.close();
    t.fleet = undefined;
  });
  return t;
}

/** Waits until the client has had a pong from every server it has; fails naming those it has not. */
export async function untilEveryServerPonged(client: ClogsClient): Promise<void> {
  await vi.waitFor(
    () =>
      expect(
        client
          .stats()
          .servers.filter((s) => s.rttMs === undefined)
          .map((s) => s.name),
        'servers without a pong',
      ).toEqual([]),
    POLL,
  );
}

/** Resolves with the first emission of `event`; fails after `ms`. */
export function once<T>(emitter: NodeJS.EventEmitter, event: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within ${ms} ms`)), ms);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** The messages in `<dir>/<sys>/<file>.log`, in order ([] when there is no such file). */
export const messages = (dir: string, sys: string, file: string): Promise<string[]> =>
  readMessages(join(dir, sys, `${file}.log`));

/** Records a fleet has taken so far. */
export const received = (fleet: Fleet) => fleet.servers.reduce((n, s) => n + s.stats().records, 0);

/** The parsed lines of `<dir>/<sys>/<file>.log`, in order ([] when there is no such file). */
export const lines = (dir: string, sys: string, file: string): Promise<ParsedLine[]> =>
  readParsedLines(join(dir, sys, `${file}.log`));
