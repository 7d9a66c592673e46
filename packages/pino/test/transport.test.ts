import { EventEmitter, once } from 'node:events';
import type { LogSink, RecordOptions } from '@clogs/client';
import { createTestClient } from '@clogs/client/testing';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { clogsTransport } from '../src/index.js';

const defaults = { sysId: 'PINO', msgType: 'JSON', fileName: 'app' } as const;

/** Ends the logger's destination and waits for its close hook to finish. */
async function end(dest: NodeJS.WritableStream & NodeJS.EventEmitter): Promise<void> {
  dest.end();
  await once(dest, 'close');
}

describe('@clogs/pino in-process, through the test double', () => {
  it('maps levels by band and takes the time from the line', async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    const logger = pino({ level: 'trace', customLevels: { audit: 35, notice: 45 } }, dest);
    const before = Date.now();
    logger.trace('t');
    logger.debug('d');
    logger.info('i');
    logger.audit('a');
    logger.warn('w');
    logger.notice('n');
    logger.error('e');
    logger.fatal('f');
    const got = await client.waitFor(8);
    expect(got.map((r) => r.level)).toEqual([1, 2, 3, 3, 4, 4, 5, 6]);
    const lines = got.map((r) => JSON.parse(r.msg) as { time: number; msg: string });
    expect(lines.map((l) => l.msg)).toEqual(['t', 'd', 'i', 'a', 'w', 'n', 'e', 'f']);
    expect(got.map((r) => r.timeUs)).toEqual(lines.map((l) => l.time * 1000));
    expect(lines[0]!.time).toBeGreaterThanOrEqual(before);
    await end(dest);
  });

  it('reads label levels and ISO times when formatters lay the line out otherwise', async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    const logger = pino(
      { formatters: { level: (label) => ({ level: label }) }, timestamp: pino.stdTimeFunctions.isoTime },
      dest,
    );
    logger.warn('labelled');
    const [r] = await client.waitFor(1);
    const line = JSON.parse(r!.msg) as { level: string; time: string };
    expect(line.level).toBe('warn');
    expect(r!.level).toBe(4);
    expect(r!.timeUs).toBe(Date.parse(line.time) * 1000);
    await end(dest);
  });

  it("sends the whole line by default, the message alone with message: 'msg', the file from fileKey", async () => {
    const whole = createTestClient({ defaults });
    const wholeDest = await clogsTransport({ client: whole });
    pino(wholeDest).child({ req: 7 }).error(new Error('boom'), 'failed');
    const [line] = await whole.waitFor(1);
    expect(JSON.parse(line!.msg)).toMatchObject({ req: 7, msg: 'failed', err: { message: 'boom' } });
    expect(line!.msg).toContain('Error: boom\\n    at ');

    const parts = createTestClient({ defaults });
    const partsDest = await clogsTransport({ client: parts, message: 'msg', fileKey: 'file' });
    const logger = pino(partsDest);
    logger.info({ file: 'orders' }, 'order 1');
    logger.info('no file field');
    logger.info({ file: 42 }, 'file not a string');
    expect((await parts.waitFor(3)).map((r) => [r.fileName, r.msg, r.level])).toEqual([
      ['orders', 'order 1', 3],
      ['app', 'no file field', 3],
      ['app', 'file not a string', 3],
    ]);
    await end(wholeDest);
    await end(partsDest);
  });

  it('counts and reports a refused record, and goes on', async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client, fileKey: 'file' });
    const warnings: { code: string; reason: string }[] = [];
    dest.on('warning', (w: { code: string; reason: string }) => warnings.push(w));
    const logger = pino(dest);
    logger.info('before');
    logger.info({ file: '../escape' }, 'refused');
    logger.info('after');
    expect((await client.waitFor(2)).map((r) => JSON.parse(r.msg).msg)).toEqual(['before', 'after']);
    expect(warnings).toEqual([
      expect.objectContaining({
        code: 'ERR_CLIENT_BAD_RECORD',
        field: 'file_name',
        reason: 'ERR_PROTOCOL_BAD_CHARSET',
      }),
    ]);
    expect(client.refused).toBe(1);
    await end(dest);
  });

  it("pauses for the client's 'drain' and loses nothing; logger.flush() waits for the lines queued", async () => {
    const double = createTestClient({ defaults });
    const events = new EventEmitter();
    let pauses = 0;
    // A client past its mark every 50 records, with room again a moment later.
    const sink: LogSink = {
      log(msg: string | Uint8Array, options?: RecordOptions) {
        double.log(msg, options);
        if (double.records().length % 50 !== 0) return true;
        pauses++;
        setImmediate(() => events.emit('drain'));
        return false;
      },
      flush: () => double.flush(),
      on: (e, l) => events.on(e, l),
      once: (e, l) => events.once(e, l),
      off: (e, l) => events.off(e, l),
    };
    const dest = await clogsTransport({ client: sink });
    const logger = pino(dest);
    for (let i = 0; i < 1000; i++) logger.info(`record ${i}`);
    await new Promise<void>((resolve, reject) => logger.flush((err) => (err ? reject(err) : resolve())));
    expect(double.records().map((r) => JSON.parse(r.msg).msg)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `record ${i}`),
    );
    expect(pauses).toBe(20);
    await end(dest);
  });

  it("waits for 'drain' in the middle of a chunk, and takes no line while it waits", async () => {
    const double = createTestClient({ defaults });
    const events = new EventEmitter();
    let waiting = false;
    let takenWhileWaiting = 0;
    let pauses = 0;
    const sink: LogSink = {
      log(msg: string | Uint8Array, options?: RecordOptions) {
        if (waiting) takenWhileWaiting++;
        double.log(msg, options);
        if (double.records().length % 50 !== 0) return true;
        pauses++;
        waiting = true;
        setImmediate(() => {
          waiting = false;
          events.emit('drain');
        });
        return false;
      },
      flush: () => double.flush(),
      on: (e, l) => events.on(e, l),
      once: (e, l) => events.once(e, l),
      off: (e, l) => events.off(e, l),
    };
    const dest = await clogsTransport({ client: sink });
    const text = Array.from(
      { length: 1000 },
      (_, i) => `{"level":30,"time":1700000000000,"msg":"record ${i}"}\n`,
    );
    // One chunk, as thread-stream hands them over, cut mid-line from the next.
    const whole = text.join('');
    const cut = whole.length - 20;
    await new Promise<void>((resolve) => dest.write(whole.slice(0, cut), () => resolve()));
    expect(double.records()).toHaveLength(999);
    dest.end(whole.slice(cut));
    await once(dest, 'close');
    expect(double.records().map((r) => JSON.parse(r.msg).msg)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `record ${i}`),
    );
    expect({ pauses, takenWhileWaiting }).toEqual({ pauses: 20, takenWhileWaiting: 0 });
  });

  it("emits the client's events on the destination", async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    const seen: unknown[] = [];
    for (const name of ['up', 'down', 'drop', 'warning']) dest.on(name, (p) => seen.push([name, p]));
    client.emit('down', { server: 'a', reason: 'timeout', message: 'gone' });
    client.emit('drop', { reason: 'queue_full', records: 3 });
    client.emit(
      'warning',
      Object.assign(new Error('send failed [ERR_CLIENT_SEND]'), { code: 'ERR_CLIENT_SEND' }),
    );
    expect(seen).toEqual([
      ['down', { server: 'a', reason: 'timeout', message: 'gone' }],
      ['drop', { reason: 'queue_full', records: 3 }],
      [
        'warning',
        expect.objectContaining({ code: 'ERR_CLIENT_SEND', message: 'send failed [ERR_CLIENT_SEND]' }),
      ],
    ]);
    await end(dest);
  });

  it('refuses bad options with ERR_PINO_BAD_OPTION', async () => {
    await expect(clogsTransport({})).rejects.toMatchObject({ code: 'ERR_PINO_BAD_OPTION' });
    await expect(
      clogsTransport({ servers: ['127.0.0.1:9'], message: 'all' as 'line' }),
    ).rejects.toMatchObject({
      code: 'ERR_PINO_BAD_OPTION',
    });
    await expect(
      clogsTransport({ servers: ['127.0.0.1:9'], keyFile: '/nonexistent/key' }),
    ).rejects.toMatchObject({
      code: 'ERR_PINO_KEY_FILE',
    });
  });
});
