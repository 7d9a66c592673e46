// --spool DIR in pipe mode, as users run it: real clogs-cli processes, a real clogs-server
// on loopback, real segment files. A run on the same DIR first delivers what the last
// one left (even with empty input), then exits with the usual codes.
import { createSocket } from 'node:dgram';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { readParsedLines } from '../../../test/support/log-file.js';
import { FAST_PING, startCli, useServer } from './helpers.js';

const local = useServer('clogs-cli-spool-');

/** An address where nothing listens: a port bound and let go. */
async function deadServer(): Promise<string> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `127.0.0.1:${port} dead`;
}

/** Records in the spool's segment files, read by their documented layout (8-byte magic, then length, CRC, payload: a u16 count and the records). */
async function recordsOnDisk(dir: string): Promise<number> {
  let records = 0;
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.seg'))) {
    const bytes = await readFile(join(dir, f));
    for (let at = 8; at + 8 <= bytes.length; at += 8 + bytes.readUInt32BE(at)) {
      if (at + 8 + bytes.readUInt32BE(at) > bytes.length) break; // an entry still being written
      records += bytes.readUInt16BE(at + 8);
    }
  }
  return records;
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `spool line ${i}\n`).join('');
const RAW = ['--format', 'raw', '--sys', 'SPL', '--file', 'app'];
const lastLine = (s: string) => s.trim().split('\n').at(-1);

/** Every message the server wrote, in order. */
async function delivered(): Promise<string[]> {
  await local.server!.flush();
  const parsed = await readParsedLines(join(local.dir, 'data', 'SPL', 'app.log'));
  return parsed.map((l) => l.msg.toString());
}

describe('clogs-cli --spool DIR', () => {
  it('a run SIGKILLed with every server down leaves its lines; the next run, with empty input, delivers them all: exit 0', async () => {
    const dir = join(local.dir, 'spool');
    const n = 20_000;
    const first = startCli(
      ['-s', await deadServer(), '--ack', '--wait-for-servers', '--spool', dir, ...RAW],
      {
        cleanups: local.cleanups,
      },
    );
    first.child.stdin!.end(lines(n));
    await vi.waitFor(async () => expect(await recordsOnDisk(dir)).toBe(n), { timeout: 15_000, interval: 20 });
    first.child.kill('SIGKILL');
    expect((await first.exited).code).toBe(null);

    const spec = await local.start();
    const second = startCli(['-s', spec, '--ack', '--spool', dir, ...RAW], { cleanups: local.cleanups });
    second.child.stdin!.end();
    const { code, err } = await second.exited;
    expect(lastLine(err)).toBe(
      `clogs-cli: 0 lines read, ${n} sent, ${n} acked, 0 refused, spool: ${n} replayed, 0 spooled`,
    );
    expect(code, err).toBe(0);
    expect(await delivered()).toEqual(Array.from({ length: n }, (_, i) => `spool line ${i}`));
    expect(
      (await readdir(dir)).filter((f) => f.endsWith('.seg')),
      'segments left',
    ).toEqual([]);
  }, 30_000);

  it('every server down: exit 75, the summary says what is left; the next run sends it before its own lines', async () => {
    const dir = join(local.dir, 'spool');
    const first = startCli(['-s', await deadServer(), '-c', FAST_PING, '--ack', '--spool', dir, ...RAW], {
      cleanups: local.cleanups,
    });
    first.child.stdin!.end(lines(500));
    const one = await first.exited;
    expect(one.code, one.err).toBe(75);
    expect(lastLine(one.err)).toContain('spool: 0 replayed, 500 spooled, 500 left for the next run');

    const spec = await local.start();
    const second = startCli(['-s', spec, '--ack', '--spool', dir, ...RAW], { cleanups: local.cleanups });
    second.child.stdin!.end('after 1\nafter 2\n');
    const two = await second.exited;
    expect(lastLine(two.err)).toBe(
      'clogs-cli: 2 lines read, 502 sent, 502 acked, 0 refused, spool: 500 replayed, 2 spooled',
    );
    expect(two.code, two.err).toBe(0);
    const got = await delivered();
    expect(got.slice(0, 500)).toEqual(Array.from({ length: 500 }, (_, i) => `spool line ${i}`));
    expect(got.slice(500).sort()).toEqual(['after 1', 'after 2']);
  }, 30_000);

  it('a spool folder that cannot be made: a clear error at start, exit 73', async () => {
    const file = join(local.dir, 'a-file');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, 'x');
    const cli = startCli(['-s', '127.0.0.1:9', '--spool', join(file, 'spool'), ...RAW], {
      cleanups: local.cleanups,
    });
    cli.child.stdin!.end('one\n');
    const { code, err } = await cli.exited;
    expect(err).toContain(`spool ${join(file, 'spool')} cannot be made`);
    expect(err).toContain('ERR_CLIENT_SPOOL');
    expect(code).toBe(73);
  });
});
