import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKeyFile, writeNewKeyFile } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { readParsedLines } from '../../../test/support/log-file.js';
import { ClientError, type ClogsClient, createClient } from '../src/index.js';
import { startFleet, until, useFleet } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP = fileURLToPath(new URL('./fixtures/spool-app.ts', import.meta.url));
const TIME_BASE = 1_700_000_000_000_000;
const defaults = { sysId: 'SPL', msgType: 'TXT', fileName: 'app' } as const;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const t = useFleet();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-spool-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An address where nothing listens: a port bound and let go. */
async function deadServer(): Promise<string> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

const segmentFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.seg'));

describe('disk spool', () => {
  it('delivers all 50,000 records an app logged with every server down before a SIGKILL', async () => {
    const dir = await tempDir();
    const n = 50_000;
    const app = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', APP, dir, await deadServer(), String(n)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    app.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    app.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    let ended = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      app.on('exit', (_code, signal) => {
        ended = true;
        resolve(signal);
      }),
    );
    await until(() => out.includes(`spooled ${n}\n`) || ended, `the app to say "spooled ${n}"`, 20_000);
    expect(ended, `the app ended before it was killed: ${out}`).toBe(false);
    app.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect((await segmentFiles(dir)).length).toBeGreaterThan(0);

    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', spool: { dir } });
    const client = t.client;
    await until(
      () => client.stats().acked === n,
      `${n} records acked (stats: ${JSON.stringify(client.stats().spool)})`,
      20_000,
    );
    expect(client.stats().spool).toMatchObject({ replayed: n, spooled: 0, cut: 0, backlog: 0 });
    await client.close();
    expect(await segmentFiles(dir), 'segments left once every record was acknowledged').toEqual([]);
    await t.fleet.servers[0]!.flush();
    const lines = await readParsedLines(join(t.fleet.dirs[0]!, 'SPL', 'app.log'));
    const byNumber = new Map(
      lines.map((l) => [Number(/^spooled record (\d+)$/.exec(l.msg.toString())![1]), l]),
    );
    expect(byNumber.size).toBe(n);
    const wrongTimes = [...byNumber].filter(([i, l]) => l.timeUs !== BigInt(TIME_BASE + i)).length;
    expect(wrongTimes, 'records whose original time_us was not kept').toBe(0);
  }, 30_000);

  it('recovers a segment truncated mid-frame up to the cut, and counts the cut', async () => {
    const dir = await tempDir();
    const n = 3000;
    const a = createClient({
      servers: [await deadServer()],
      defaults,
      delivery: 'at-least-once',
      spool: { dir },
    });
    for (let i = 0; i < n; i++) a.log(`cut record ${i}`);
    expect(await a.close({ timeoutMs: 0 })).toEqual({ undelivered: n });
    expect(a.stats().spool).toMatchObject({ spooled: n, left: n });
    expect(a.stats().dropped.closed, 'records left in the spool are not dropped').toBe(0);

    // Walk the file by its documented layout: 8-byte magic, then (u32 length, u32 crc,
    // payload)*, each payload starting with its u16 record count.
    const [file, ...more] = await segmentFiles(dir);
    expect(more).toEqual([]);
    const path = join(dir, file!);
    const bytes = await readFile(path);
    const entries: { at: number; records: number }[] = [];
    for (let at = 8; at < bytes.length; at += 8 + bytes.readUInt32BE(at)) {
      entries.push({ at, records: bytes.readUInt16BE(at + 8) });
    }
    expect(entries.length, 'entries in the segment').toBeGreaterThan(1);
    const last = entries.at(-1)!;
    const cutAt = last.at + 8 + 20; // inside the last frame
    await truncate(path, cutAt);
    const kept = n - last.records;

    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', spool: { dir } });
    const client = t.client;
    expect(client.stats().spool).toMatchObject({ cut: 1, cutBytes: cutAt - last.at });
    await until(() => client.stats().acked === kept, `${kept} records acked`);
    expect(client.stats().spool).toMatchObject({ replayed: kept, backlog: 0 });
    await client.close();
    await t.fleet.servers[0]!.flush();
    const lines = await readParsedLines(join(t.fleet.dirs[0]!, 'SPL', 'app.log'));
    expect(lines.map((l) => l.msg.toString())).toEqual(
      Array.from({ length: kept }, (_, i) => `cut record ${i}`),
    );
    expect(await segmentFiles(dir)).toEqual([]);
  });

  it('cuts a segment at an entry whose CRC fails (a corrupt block), keeping the entries before it', async () => {
    const dir = await tempDir();
    const n = 3000;
    const a = createClient({
      servers: [await deadServer()],
      defaults,
      delivery: 'at-least-once',
      spool: { dir },
    });
    for (let i = 0; i < n; i++) a.log(`cut record ${i}`);
    await a.close({ timeoutMs: 0 });
    const [file] = await segmentFiles(dir);
    const path = join(dir, file!);
    const bytes = await readFile(path);
    const first = 8 + 8 + bytes.readUInt32BE(8); // where the second entry starts
    const kept = bytes.readUInt16BE(8 + 8);
    bytes[first + 8 + 40]! ^= 0xff; // a byte inside the second entry's payload
    await writeFile(path, bytes);

    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', spool: { dir } });
    const client = t.client;
    expect(client.stats().spool).toMatchObject({ cut: 1, cutBytes: bytes.length - first, found: kept });
    await until(() => client.stats().acked === kept, `${kept} records acked`);
    await client.close();
    await t.fleet.servers[0]!.flush();
    const lines = await readParsedLines(join(t.fleet.dirs[0]!, 'SPL', 'app.log'));
    expect(lines.map((l) => l.msg.toString())).toEqual(
      Array.from({ length: kept }, (_, i) => `cut record ${i}`),
    );
  });

  it("what a previous process left goes first: log() says wait, and 'drain' comes once the disk has caught up", async () => {
    const dir = await tempDir();
    const n = 20_000;
    const small = { maxQueueBytes: 64 * 1024, delivery: 'at-least-once' as const };
    const a = createClient({ servers: [await deadServer()], defaults, ...small, spool: { dir } });
    for (let i = 0; i < n; i++) a.log(`full record ${i} ${'x'.repeat(40)}`);
    expect(a.stats().spool!.backlog, 'records on disk only (past maxQueueBytes)').toBeGreaterThan(n / 2);
    expect(await a.close({ timeoutMs: 0 })).toEqual({ undelivered: n });

    t.fleet = await startFleet(1);
    const b = createClient({ servers: t.fleet.specs, defaults, ...small, spool: { dir } });
    t.client = b;
    expect(b.stats().spool!.found).toBe(n);
    expect(b.log(`full record ${n} new`), 'log() with the disk behind').toBe(false);
    await new Promise<void>((resolve) => b.once('drain', resolve));
    expect(b.stats().spool!.backlog, "records on disk only at 'drain'").toBe(0);
    const delivered = await deliverSpool(dir, n + 1, b);
    expect(delivered).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
  });

  it('at-most-once: a segment goes once its records are sent', async () => {
    const dir = await tempDir();
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults, spool: { dir, maxBytes: 256 * 1024 } });
    const client = t.client;
    const n = 20_000;
    // In rounds of 1,000 (about 50 KiB), each sent before the next: the spool holds a few
    // segments at most, the sent ones deleted as the last one fills.
    for (let i = 0; i < n; i++) {
      client.log(`full record ${i} at most once`);
      if (i % 1000 === 999) expect(await client.flush({ timeoutMs: 10_000 })).toBe(true);
    }
    expect(client.stats().dropped.spool_full).toBe(0);
    expect(client.stats().spool!.segments, 'segments while the last one is open').toBeLessThanOrEqual(2);
    await client.close();
    expect(client.stats().spool).toMatchObject({ spooled: n, left: 0 });
    expect(await segmentFiles(dir)).toEqual([]);
    // At-most-once, close() resolves once the frames are handed to the network: the last
    // may still wait in the server's socket.
    await until(() => t.fleet!.servers[0]!.stats().records === n, 'every record at the server');
    await t.fleet.servers[0]!.flush();
    expect((await readParsedLines(join(t.fleet.dirs[0]!, 'SPL', 'app.log'))).length).toBe(n);
  });

  it('a spool left by a client without a key is sealed and sent by one with a key', async () => {
    const dir = await tempDir();
    const keyDir = await tempDir();
    const keyPath = join(keyDir, 'clogs.key');
    await writeNewKeyFile(keyPath);
    const key = await readKeyFile(keyPath);
    const a = createClient({
      servers: [await deadServer()],
      defaults,
      delivery: 'at-least-once',
      spool: { dir },
    });
    for (let i = 0; i < 1000; i++) a.log(`full record ${i} sealed later`);
    await a.close({ timeoutMs: 0 });
    t.fleet = await startFleet(1, { keys: [key] });
    const b = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      key,
      spool: { dir },
    });
    expect(await deliverSpool(dir, 1000, b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('refuses bad spool options with ERR_CLIENT_BAD_OPTION', () => {
    const bad = (spool: unknown) => () =>
      createClient({ servers: ['127.0.0.1:9'], defaults, spool: spool as { dir: string } });
    expect(bad({})).toThrow(
      expect.objectContaining({
        code: 'ERR_CLIENT_BAD_OPTION',
        message: expect.stringContaining('spool.dir'),
      }),
    );
    expect(bad({ dir: '/tmp/x', maxBytes: 1000 })).toThrow(
      expect.objectContaining({ message: expect.stringContaining('spool.maxBytes') }),
    );
    expect(bad({ dir: '/tmp/x', fsync: 'always' })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('spool.fsync must be one of never, segment, flush'),
      }),
    );
  });

  it('refuses at start, with ERR_CLIENT_SPOOL, a spool folder that cannot be made or is in use', async () => {
    const dir = await tempDir();
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const made = (spoolDir: string) => () =>
      createClient({ servers: ['127.0.0.1:9'], defaults, spool: { dir: spoolDir } });
    expect(made(join(file, 'spool'))).toThrow(
      expect.objectContaining({
        code: 'ERR_CLIENT_SPOOL',
        message: expect.stringContaining(join(file, 'spool')),
      }),
    );
    const first = made(join(dir, 'spool'))();
    cleanups.push(async () => void (await first.close({ timeoutMs: 0 })));
    let err: unknown;
    try {
      made(join(dir, 'spool'))();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClientError);
    expect(err).toMatchObject({ code: 'ERR_CLIENT_SPOOL', message: expect.stringContaining('in use') });
  });

  it("a full spool refuses new records with onFull 'drop-newest', counted spool_full", async () => {
    const dir = await tempDir();
    const maxBytes = 64 * 1024;
    const a = createClient({
      servers: [await deadServer()],
      defaults,
      delivery: 'at-least-once',
      maxQueueBytes: 64 * 1024,
      spool: { dir, maxBytes },
    });
    const n = 5000;
    for (let i = 0; i < n; i++) a.log(`full record ${i} ${'x'.repeat(80)}`);
    const { accepted, dropped } = a.stats();
    expect(dropped.spool_full).toBeGreaterThan(0);
    expect(accepted + dropped.spool_full).toBe(n);
    await a.close({ timeoutMs: 0 });
    let onDisk = 0;
    for (const f of await segmentFiles(dir)) onDisk += (await stat(join(dir, f))).size;
    expect(onDisk, 'spool bytes').toBeLessThanOrEqual(maxBytes + 200);
    const delivered = await deliverSpool(dir, accepted);
    expect(delivered).toEqual(Array.from({ length: accepted }, (_, i) => i));
  });

  it("a full spool deletes its oldest segment with onFull 'drop-oldest', counted oldest_dropped", async () => {
    const dir = await tempDir();
    const a = createClient({
      servers: [await deadServer()],
      defaults,
      delivery: 'at-least-once',
      onFull: 'drop-oldest',
      maxQueueBytes: 64 * 1024,
      spool: { dir, maxBytes: 256 * 1024 },
    });
    const n = 10_000;
    for (let i = 0; i < n; i++) a.log(`full record ${i} ${'x'.repeat(80)}`);
    const { accepted, dropped } = a.stats();
    expect(dropped.oldest_dropped).toBeGreaterThan(0);
    expect(accepted + dropped.spool_full).toBe(n);
    await a.close({ timeoutMs: 0 });
    const kept = accepted - dropped.oldest_dropped;
    const delivered = await deliverSpool(dir, kept);
    expect(delivered.length).toBe(kept);
    expect(delivered[0], 'the first record (in memory when the spool filled)').toBe(0);
    expect(delivered.at(-1), 'the newest record').toBe(n - 1 - dropped.spool_full);
  });

  it('deletes every segment once records re-routed from a server that died are acknowledged', async () => {
    const dir = await tempDir();
    t.fleet = await startFleet(2);
    t.client = createClient({
      servers: t.fleet.specs,
      defaults,
      route: 'record',
      delivery: 'at-least-once',
      // The closed server is out at once (its port refuses); the other has 600 ms to ACK
      // its first write before it could be judged one that never ACKs.
      ping: { intervalMs: 200, failureLimit: 3 },
      spool: { dir, maxBytes: 4 * 1024 * 1024 },
    });
    const client = t.client;
    const n = 20_000;
    for (let i = 0; i < n / 2; i++) client.log(`moved record ${i}`);
    await t.fleet.servers[1]!.close();
    for (let i = n / 2; i < n; i++) client.log(`moved record ${i}`);
    expect(await client.flush({ timeoutMs: 15_000 })).toBe(true);
    expect(client.stats().rerouted).toBeGreaterThan(0);
    await client.close();
    expect(await segmentFiles(dir), 'segments left once every record was acknowledged').toEqual([]);
  });
});

/** Starts a server and a client on the spool `dir`; waits for `expected` ACKs; returns the record numbers delivered, sorted. */
async function deliverSpool(dir: string, expected: number, running?: ClogsClient): Promise<number[]> {
  if (running === undefined) t.fleet = await startFleet(1);
  const client: ClogsClient =
    running ?? createClient({ servers: t.fleet!.specs, defaults, delivery: 'at-least-once', spool: { dir } });
  t.client = client;
  await until(() => client.stats().acked >= expected, `${expected} records acked`);
  await client.close();
  await t.fleet!.servers[0]!.flush();
  const lines = await readParsedLines(join(t.fleet!.dirs[0]!, 'SPL', 'app.log'));
  return lines.map((l) => Number(/^full record (\d+) /.exec(l.msg.toString())![1])).sort((x, y) => x - y);
}
