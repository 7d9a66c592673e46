import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ClientError, createClient } from '../src/index.js';
import { lines, messages, POLL, received, startFleet, useFleet } from './helpers.js';

let tmp: string | undefined;
// Registered before useFleet(): after-hooks run last-registered first, so this runs once the
// client and fleet are closed.
afterEach(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});
const t = useFleet();

const defaults = { sysId: 'STR', msgType: 'TXT', fileName: 'lines' } as const;

async function settle(n: number): Promise<void> {
  await vi.waitFor(() => expect(received(t.fleet!), 'records at the server').toBe(n), POLL);
  await t.fleet!.servers[0]!.flush();
}

describe('client.stream(): lines', () => {
  it('sends a file piped through it, one line one record, CRLF and an unterminated last line included', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    tmp = await mkdtemp(join(tmpdir(), 'clogs-stream-'));
    const expected = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'é'.repeat(i % 7)}`);
    const file = join(tmp, 'in.txt');
    // Small read chunks split lines (and two-byte characters) across chunks.
    await writeFile(file, `${expected.slice(0, 10).join('\r\n')}\r\n${expected.slice(10).join('\n')}`);
    await pipeline(createReadStream(file, { highWaterMark: 1000 }), t.client.stream());
    await settle(expected.length);
    expect(await messages(t.fleet.dirs[0]!, 'STR', 'lines')).toEqual(expected);
  });

  it("is pino's destination: pino's level and time, not parsed, and logger.flush()", async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    const logger = pino(
      { level: 'trace', customLevels: { audit: 35 } },
      t.client.stream({ fileName: 'pino' }),
    );
    const before = Date.now();
    logger.trace('t');
    logger.debug('d');
    logger.info({ order: 1 }, 'i');
    logger.audit('a');
    logger.warn('w');
    logger.error(new Error('boom'), 'e');
    logger.fatal('f');
    await new Promise<void>((resolve, reject) => logger.flush((err) => (err ? reject(err) : resolve())));
    await settle(7);
    const got = await lines(t.fleet.dirs[0]!, 'STR', 'pino');
    expect(got.map((l) => l.level)).toEqual([1, 2, 3, 3, 4, 5, 6]);
    const msgs = got.map((l) => JSON.parse(l.msg.toString()) as { level: number; time: number; msg: string });
    expect(msgs.map((m) => [m.level, m.msg])).toEqual([
      [10, 't'],
      [20, 'd'],
      [30, 'i'],
      [35, 'a'],
      [40, 'w'],
      [50, 'e'],
      [60, 'f'],
    ]);
    expect(got.map((l) => l.timeUs)).toEqual(msgs.map((m) => BigInt(m.time) * 1000n));
    expect(msgs[0]!.time).toBeGreaterThanOrEqual(before);
    expect(got[5]!.msg.toString()).toContain('"stack":"Error: boom');
  });

  it('waits for the client to drain, and lines written meanwhile keep their own levels', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults, highWaterBytes: 1024 });
    const stream = t.client.stream({ fileName: 'slow' });
    const logger = pino({ level: 'trace' }, stream);
    let waited = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) logger.warn(`w ${i}`);
      else logger.debug(`d ${i}`);
      if (stream.writableLength > 0) waited++;
    }
    // The stream held lines back while the client was past its mark.
    expect(waited).toBeGreaterThan(0);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    await settle(n);
    const got = await lines(t.fleet.dirs[0]!, 'STR', 'slow');
    const wrong = got.filter((l, i) => l.level !== (i % 2 === 0 ? 4 : 2) || !l.msg.includes(` ${i}"`));
    expect(wrong.map((l) => `${l.level} ${l.msg}`)).toEqual([]);
    expect(got).toHaveLength(n);
  });

  it('goes on after a refused line: counted, reported, the rest delivered', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    const stream = t.client.stream({ fileName: 'refuse' });
    const warnings: ClientError[] = [];
    stream.on('warning', (err: ClientError) => warnings.push(err));
    stream.write('before\n');
    stream.write(`${'x'.repeat(70_000)}\n`);
    stream.write('after\n');
    stream.end();
    await once(stream, 'finish');
    await settle(2);
    expect(await messages(t.fleet.dirs[0]!, 'STR', 'refuse')).toEqual(['before', 'after']);
    expect(stream.refused).toBe(1);
    expect(warnings.map((w) => [w.code, w.reason])).toEqual([
      ['ERR_CLIENT_BAD_RECORD', 'ERR_PROTOCOL_RECORD_TOO_LARGE'],
    ]);
    expect(t.client.stats().refused).toBe(1);
  });

  it('stops waiting for a client that cannot drain (no server up): records queue in the client', async () => {
    t.client = createClient({ servers: ['127.0.0.1:9 nowhere'], defaults, highWaterBytes: 1024 });
    const stream = t.client.stream({ drainTimeoutMs: 50 });
    const startedAt = performance.now();
    for (let i = 0; i < 1000; i++) stream.write(`queued ${i} ${'q'.repeat(50)}\n`);
    await new Promise<void>((resolve) => stream.write('last\n', () => resolve()));
    expect(t.client.stats().accepted).toBe(1001);
    // One wait of drainTimeoutMs, not one per write.
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(await t.client.close({ timeoutMs: 0 })).toEqual({ undelivered: 1001 });
  });
});

describe('client.stream({ objectMode: true })', () => {
  it('takes { msg, level, fileName, … } with the stream defaults under each', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    const stream = t.client.stream({ objectMode: true, msgType: 'JSON', level: 'info' });
    const warnings: ClientError[] = [];
    stream.on('warning', (err: ClientError) => warnings.push(err));
    stream.write({ msg: 'one' });
    stream.write({ msg: 'two', level: 'error', fileName: 'objs' });
    stream.write({ msg: 'bad', fileName: '.hidden' });
    stream.write(42);
    stream.write({ msg: Buffer.from('three'), fileName: 'objs', msgType: 'BIN' });
    stream.end();
    await once(stream, 'finish');
    await settle(3);
    const pick = (l: { level: number; msgType: string; msg: Buffer }) => [
      l.level,
      l.msgType,
      l.msg.toString(),
    ];
    expect((await lines(t.fleet.dirs[0]!, 'STR', 'lines')).map(pick)).toEqual([[3, 'JSON', 'one']]);
    expect((await lines(t.fleet.dirs[0]!, 'STR', 'objs')).map(pick)).toEqual([
      [5, 'JSON', 'two'],
      [3, 'BIN', 'three'],
    ]);
    expect(stream.refused).toBe(2);
    expect(warnings.map((w) => [w.code, w.field])).toEqual([
      ['ERR_CLIENT_BAD_RECORD', 'file_name'],
      ['ERR_CLIENT_BAD_RECORD', 'msg'],
    ]);
  });
});
