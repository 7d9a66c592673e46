import { EventEmitter, once } from 'node:events';
import type { LogSink, RecordOptions } from '@clogs/client';
import { createTestClient } from '@clogs/client/testing';
import { describe, expect, it } from 'vitest';
import winston from 'winston';
import { ClogsTransport } from '../src/index.js';

const defaults = { sysId: 'WINS', msgType: 'JSON', fileName: 'app' } as const;

async function end(logger: winston.Logger): Promise<void> {
  const finished = once(logger, 'finish');
  logger.end();
  await finished;
}

describe('@clogs/winston through the test double', () => {
  it("maps npm and syslog levels through clogs' table", async () => {
    const npm = createTestClient({ defaults });
    const npmLogger = winston.createLogger({
      level: 'silly',
      transports: [new ClogsTransport({ client: npm })],
    });
    for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'])
      npmLogger.log(level, level);
    expect((await npm.waitFor(7)).map((r) => r.level)).toEqual([5, 4, 3, 3, 2, 2, 1]);

    const syslog = createTestClient({ defaults });
    const syslogLogger = winston.createLogger({
      levels: winston.config.syslog.levels,
      level: 'debug',
      transports: [new ClogsTransport({ client: syslog })],
    });
    for (const level of ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug']) {
      syslogLogger.log(level, level);
    }
    expect((await syslog.waitFor(8)).map((r) => r.level)).toEqual([6, 6, 6, 5, 4, 3, 3, 2]);
    await end(npmLogger);
    await end(syslogLogger);
  });

  it("sends winston's formatted line with its timestamp, or the message alone; the file from fileKey", async () => {
    const client = createTestClient({ defaults });
    const logger = winston.createLogger({
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new ClogsTransport({ client })],
    });
    logger.info('hello', { order: 7 });
    const [r] = await client.waitFor(1);
    const line = JSON.parse(r!.msg) as { message: string; order: number; timestamp: string; level: string };
    expect(line).toMatchObject({ message: 'hello', order: 7, level: 'info' });
    expect(r!.timeUs).toBe(Date.parse(line.timestamp) * 1000);

    const parts = createTestClient({ defaults });
    const partsLogger = winston.createLogger({
      transports: [new ClogsTransport({ client: parts, message: 'msg', fileKey: 'file' })],
    });
    partsLogger.info('order 1', { file: 'orders' });
    partsLogger.info('no file field');
    expect((await parts.waitFor(2)).map((x) => [x.fileName, x.msg])).toEqual([
      ['orders', 'order 1'],
      ['app', 'no file field'],
    ]);
    await end(logger);
    await end(partsLogger);
  });

  it("emits a refused record as a 'warn' on the logger, never throws, and goes on", async () => {
    const client = createTestClient({ defaults });
    const transport = new ClogsTransport({ client, fileKey: 'file' });
    const logger = winston.createLogger({ transports: [transport] });
    const warnings: { code: string; field: string }[] = [];
    logger.on('warn', (err: { code: string; field: string }) => warnings.push(err));
    logger.info('before');
    expect(() => logger.info('refused', { file: 'no/slash' })).not.toThrow();
    logger.info('after');
    expect((await client.waitFor(2)).map((r) => JSON.parse(r.msg).message)).toEqual(['before', 'after']);
    expect(warnings.map((w) => [w.code, w.field])).toEqual([['ERR_CLIENT_BAD_RECORD', 'file_name']]);
    expect(transport.refused).toBe(1);
    await end(logger);
  });

  it("waits for the client's 'drain' and loses nothing", async () => {
    const double = createTestClient({ defaults });
    const events = new EventEmitter();
    let taken = 0;
    let pauses = 0;
    const sink: LogSink = {
      log(msg: string | Uint8Array, options?: RecordOptions) {
        double.log(msg, options);
        if (++taken % 50 !== 0) return true;
        pauses++;
        setImmediate(() => events.emit('drain'));
        return false;
      },
      flush: () => double.flush(),
      on: (e, l) => events.on(e, l),
      once: (e, l) => events.once(e, l),
      off: (e, l) => events.off(e, l),
    };
    const logger = winston.createLogger({ transports: [new ClogsTransport({ client: sink })] });
    for (let i = 0; i < 1000; i++) logger.info(`record ${i}`);
    await end(logger);
    expect(double.records().map((r) => JSON.parse(r.msg).message)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `record ${i}`),
    );
    expect(pauses).toBe(20);
  });

  it('stops waiting for a client that never drains, and logger.end() still loses none', async () => {
    const double = createTestClient({ defaults });
    // Past its mark from the 10th record on, and no 'drain' ever.
    const sink: LogSink = {
      log(msg: string | Uint8Array, options?: RecordOptions) {
        double.log(msg, options);
        return double.records().length < 10;
      },
      flush: () => double.flush(),
      on: () => sink,
      once: () => sink,
      off: () => sink,
    };
    const logger = winston.createLogger({
      transports: [new ClogsTransport({ client: sink, drainTimeoutMs: 50 })],
    });
    const startedAt = performance.now();
    for (let i = 0; i < 1000; i++) logger.info(`record ${i}`);
    await end(logger);
    expect(double.records().map((r) => JSON.parse(r.msg).message)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `record ${i}`),
    );
    // One wait given up, not one per record.
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });

  it('flushes a borrowed client at the end and leaves it open; closes an owned one', async () => {
    const borrowed = createTestClient({ defaults });
    await end(winston.createLogger({ transports: [new ClogsTransport({ client: borrowed })] }));
    expect(borrowed.log('still open')).toBe(true);

    const owned = new ClogsTransport({ servers: ['127.0.0.1:9'], defaults, closeTimeoutMs: 0 });
    const closed = once(owned, 'closed');
    await end(winston.createLogger({ transports: [owned] }));
    expect(await closed).toEqual([expect.objectContaining({ undelivered: 0, refused: 0 })]);
    expect(() => owned.client.log('after')).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_CLOSED' }));
  });

  it("emits the client's events on the transport", () => {
    const client = createTestClient({ defaults });
    const transport = new ClogsTransport({ client });
    const seen: unknown[] = [];
    for (const name of ['down', 'drop']) transport.on(name, (p) => seen.push([name, p]));
    client.emit('down', { server: 'a', reason: 'timeout', message: 'gone' });
    client.emit('drop', { reason: 'queue_full', records: 3 });
    expect(seen).toEqual([
      ['down', { server: 'a', reason: 'timeout', message: 'gone' }],
      ['drop', { reason: 'queue_full', records: 3 }],
    ]);
  });

  it('refuses bad options with ERR_WINSTON_BAD_OPTION', () => {
    expect(() => new ClogsTransport({})).toThrow(expect.objectContaining({ code: 'ERR_WINSTON_BAD_OPTION' }));
    expect(() => new ClogsTransport({ servers: ['127.0.0.1:9'], message: 'all' as 'line' })).toThrow(
      expect.objectContaining({ code: 'ERR_WINSTON_BAD_OPTION' }),
    );
  });
});
