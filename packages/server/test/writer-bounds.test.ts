import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecordInput } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, parseLine, type ServerOptions } from '../src/index.js';
import {
  FrameSeries,
  type Harness,
  listFiles,
  type Peer,
  readLines,
  startServer,
  tempDir,
  testRecord,
} from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const rec = testRecord;
const series = new FrameSeries(9);
const frame = (records: LogRecordInput[]) => series.frame(records);

const sendAcked = (peer: Peer, records: LogRecordInput[]) => series.sendAcked(peer, records);

async function start(options: ServerOptions, dataDir?: string): Promise<Harness> {
  h = await startServer(options, undefined, dataDir);
  return h;
}

const msgs = async (dir: string, sys: string, file: string) =>
  (await readLines(dir, sys, file)).map((l) => parseLine(l)!.msg.toString());

describe('writer bounds', () => {
  it('at maxFiles with nothing rolled, refuses new file names (counted) while known files go on', async () => {
    const { peer, server, dataDir } = await start({ maxFiles: 3 });
    for (const f of ['a', 'b', 'c']) await sendAcked(peer, [rec(`first ${f}`, { fileName: f })]);
    await peer.send(frame([rec('refused', { fileName: 'd' })]));
    await peer.barrier();
    await sendAcked(peer, [rec('second a', { fileName: 'a' })]);
    const s = server.stats();
    expect(s.dropped.file_limit).toBe(1);
    expect(s.errors.ERR_SERVER_FILE_LIMIT).toBe(1);
    expect(s.writer.filesOnDisk).toBe(3);
    expect(await listFiles(join(dataDir, 'SYS'))).toEqual(['a.log', 'b.log', 'c.log']);
    expect(await msgs(dataDir, 'SYS', 'a')).toEqual(['first a', 'second a']);
  });

  it('at maxFiles, deletes the oldest rolled file (counted, told) to admit a new name', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'SYS'));
    const old = join(dataDir, 'SYS', 'app.20250101-000000.h.1.log');
    const newer = join(dataDir, 'SYS', 'app.log.1'); // logrotate's: rolled too
    await writeFile(old, 'old\n');
    await writeFile(newer, 'newer\n');
    await writeFile(join(dataDir, 'SYS', 'app.log'), '');
    await utimes(old, new Date(2025, 0, 1), new Date(2025, 0, 1));
    const { peer, server } = await start({ maxFiles: 3 }, dataDir);
    const told: string[] = [];
    server.on('warning', (e: { code: string; message: string }) => told.push(`${e.code} ${e.message}`));
    await sendAcked(peer, [rec('new name', { fileName: 'b' })]);
    await server.flush();
    expect(await listFiles(join(dataDir, 'SYS'))).toEqual(['app.log', 'app.log.1', 'b.log']);
    expect(server.stats().writer).toMatchObject({ filesOnDisk: 3, retainedFiles: 1, retainedBytes: 4 });
    expect(
      told.some((t) => t.startsWith('ERR_SERVER_RETENTION') && t.includes('app.20250101-000000.h.1.log')),
    ).toBe(true);
    // the next new name takes logrotate's file; then nothing rolled is left: refused
    await sendAcked(peer, [rec('another', { fileName: 'c' })]);
    await peer.send(frame([rec('refused', { fileName: 'd' })]));
    await peer.barrier();
    await server.flush();
    expect(await listFiles(join(dataDir, 'SYS'))).toEqual(['app.log', 'b.log', 'c.log']);
    expect(server.stats().dropped.file_limit).toBe(1);
  });

  it('counts the files already in the data dir at start', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'OLD'));
    await writeFile(join(dataDir, 'OLD', 'x.log'), 'x\n');
    await writeFile(join(dataDir, 'OLD', 'y.log'), 'y\n');
    const { server, peer } = await start({ maxFiles: 2 }, dataDir);
    expect(server.stats().writer).toMatchObject({ filesOnDisk: 2, bytesOnDisk: 4 });
    await peer.send(frame([rec('no room')]));
    await peer.barrier();
    expect(server.stats().dropped.file_limit).toBe(1);
    // a known file is not a new name
    await sendAcked(peer, [rec('more', { sysId: 'OLD', fileName: 'x' })]);
    const lines = await readLines(dataDir, 'OLD', 'x');
    expect(lines.map((l, i) => (i === 0 ? l.toString() : parseLine(l)?.msg.toString()))).toEqual([
      'x',
      'more',
    ]);
  });

  it('retention: keeps the data dir within maxTotalBytes by deleting the oldest rolled files first', async () => {
    const warnings: string[] = [];
    const { peer, server, dataDir } = await start({ rollBytes: 2048, maxTotalBytes: 8192, hostname: 'h' });
    server.on('warning', (e: { code: string }) => warnings.push(e.code));
    const line = (i: number) => rec(`${String(i).padStart(5, '0')} ${'x'.repeat(180)}`);
    for (let i = 0; i < 200; i += 5) {
      await sendAcked(
        peer,
        [0, 1, 2, 3, 4].map((k) => line(i + k)),
      );
      await server.flush();
    }
    const w = server.stats().writer;
    expect(w.rolls).toBeGreaterThanOrEqual(15);
    expect(w.retainedFiles).toBeGreaterThanOrEqual(10);
    expect(warnings).toContain('ERR_SERVER_RETENTION');
    // what is left: the newest lines, in order, and no more bytes than the bound
    const names = await listFiles(join(dataDir, 'SYS'));
    let bytes = 0;
    for (const n of names) bytes += (await stat(join(dataDir, 'SYS', n))).size;
    expect(bytes).toBeLessThanOrEqual(8192);
    expect(w.bytesOnDisk).toBe(bytes);
    expect(w.filesOnDisk).toBe(names.length);
    // oldest first: by time, then by the counter a second roll in the same second gets
    const order = (f: string) => {
      const m = /\.(\d{8}-\d{6})\.h\.\d+(?:\.(\d+))?\.log$/.exec(f)!;
      return `${m[1]}.${(m[2] ?? '0').padStart(6, '0')}`;
    };
    const rolled = names.filter((n) => n !== 'app.log').sort((a, b) => order(a).localeCompare(order(b)));
    const kept: number[] = [];
    for (const n of [...rolled, 'app.log'])
      kept.push(...(await msgs(join(dataDir, 'SYS'), '.', n.slice(0, -4))).map((m) => Number(m.slice(0, 5))));
    expect(kept.at(-1)).toBe(199);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 200 - kept.length + i));
  });

  it('at maxTotalBytes with nothing rolled to delete, refuses frames (counted, not ACKed)', async () => {
    const { peer, server, dataDir } = await start({ maxTotalBytes: 1000 });
    // the bound is checked before each frame: the frame that reaches it is still taken whole
    await sendAcked(peer, [rec('y'.repeat(600))]);
    await sendAcked(peer, [rec('y'.repeat(600))]);
    await peer.send(frame([rec('refused')]));
    await peer.barrier();
    await server.flush();
    expect(peer.replies.some((f) => f.seq === series.seq)).toBe(false);
    const s = server.stats();
    expect(s.dropped.disk_limit).toBe(1);
    expect(s.errors.ERR_SERVER_DISK_LIMIT).toBe(1);
    expect(await msgs(dataDir, 'SYS', 'app')).toEqual(['y'.repeat(600), 'y'.repeat(600)]);
    expect(s.writer.bytesOnDisk).toBe((await stat(join(dataDir, 'SYS', 'app.log'))).size);
  });

  it('allowSys: other sys_ids are refused and counted, listed ones written', async () => {
    const { peer, server, dataDir } = await start({ allowSys: ['PAY1', 'OPS'] });
    await peer.send(frame([rec('stranger', { sysId: 'EVIL' })]));
    await peer.barrier();
    await sendAcked(peer, [rec('ok', { sysId: 'OPS' })]);
    expect(server.stats().dropped.sys_not_allowed).toBe(1);
    expect(await readdir(dataDir)).toEqual(['OPS']);
    expect(await msgs(dataDir, 'OPS', 'app')).toEqual(['ok']);
  });

  it('refuses bad bounds with ERR_SERVER_BAD_OPTION', async () => {
    const dataDir = await tempDir();
    for (const bad of [
      { maxFiles: 0 },
      { maxTotalBytes: -1 },
      { allowSys: [] },
      { allowSys: ['TOO_LONG'] },
      { rollEvery: 'week' as 'day' },
      { fileMode: 0o1777 },
    ]) {
      await expect(createServer({ port: 0, dataDir, ...bad })).rejects.toMatchObject({
        code: 'ERR_SERVER_BAD_OPTION',
      });
    }
  });

  it('rollEvery day: a file last written on an earlier day is rolled before the next line', async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, 'SYS'));
    await writeFile(join(dataDir, 'SYS', 'app.log'), 'yesterday\n');
    const yesterday = new Date(Date.now() - 86_400_000);
    await utimes(join(dataDir, 'SYS', 'app.log'), yesterday, yesterday);
    const { server, peer } = await start({ rollEvery: 'day', hostname: 'h' }, dataDir);
    await sendAcked(peer, [rec('today')]);
    const names = await listFiles(join(dataDir, 'SYS'));
    expect(names).toHaveLength(2);
    const rolled = names.find((n) => n !== 'app.log')!;
    expect(rolled).toMatch(new RegExp(`^app\\.\\d{8}-\\d{6}\\.h\\.${process.pid}\\.log$`));
    expect(await msgs(dataDir, 'SYS', 'app')).toEqual(['today']);
    expect(server.stats().writer.rolls).toBe(1);
  });
});
