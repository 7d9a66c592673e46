import { execFileSync } from 'node:child_process';
import { chown, mkdir, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kind, type LogRecordInput } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, parseLine, type ServerOptions } from '../src/index.js';
import {
  FrameSeries,
  type Harness,
  listFiles,
  type Peer,
  readLines,
  splitLines,
  startServer,
  tempDir,
  testRecord,
} from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const rec = (msg: string, extra: Partial<LogRecordInput> = {}): LogRecordInput =>
  testRecord(msg, { fileName: 'f', ...extra });
const series = new FrameSeries(3);
const frame = (records: LogRecordInput[]) => series.frame(records);

async function start(options: ServerOptions = {}, dataDir?: string): Promise<Harness> {
  h = await startServer(options, undefined, dataDir);
  return h;
}

const sendAcked = (peer: Peer, records: LogRecordInput[]) => series.sendAcked(peer, records);

/** Polls (bounded) until `test` holds: for state the server reaches on its own timer. */
async function until(test: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const msgs = async (dir: string, sys: string, file: string) =>
  (await readLines(dir, sys, file)).map((l) => parseLine(l)!.msg.toString());
/** The messages of the lines of any file. */
const msgsOf = async (path: string) =>
  splitLines(await readFile(path)).map((l) => parseLine(l)!.msg.toString());

describe('files and folders in a shared data dir', () => {
  it('never writes through a symlink planted at SYS/f.log: refused, counted, not ACKed', async () => {
    const { peer, server, dataDir } = await start();
    const outside = join(await tempDir(), 'target');
    await writeFile(outside, 'untouched\n');
    await mkdir(join(dataDir, 'SYS'), { mode: 0o750 });
    await symlink(outside, join(dataDir, 'SYS', 'f.log'));
    await peer.send(frame([rec('attack')]));
    await peer.barrier();
    await server.flush();
    expect(await readFile(outside, 'utf8')).toBe('untouched\n');
    const w = server.stats().writer;
    expect(w).toMatchObject({ unsafePaths: 1, recordsLost: 1 });
    expect(peer.count(Kind.ACK)).toBe(0);
    // a refused link does not make the server unwritable
    expect(w.writable).toBe(true);
  });

  it('never follows a symlink planted at SYS (the folder)', async () => {
    const { peer, server, dataDir } = await start();
    const elsewhere = await tempDir();
    await symlink(elsewhere, join(dataDir, 'SYS'));
    await peer.send(frame([rec('attack')]));
    await peer.barrier();
    await server.flush();
    expect(await listFiles(elsewhere)).toEqual([]);
    expect(server.stats().writer.unsafePaths).toBe(1);
    expect(peer.count(Kind.ACK)).toBe(0);
  });

  it('never opens a FIFO planted at SYS/f.log (nobody reading it): refused, counted, the server goes on', async () => {
    const { peer, server, dataDir } = await start();
    await mkdir(join(dataDir, 'SYS'), { mode: 0o750 });
    execFileSync('mkfifo', [join(dataDir, 'SYS', 'f.log')]);
    await peer.send(frame([rec('into a pipe')]));
    await peer.barrier();
    await server.flush();
    expect(server.stats().writer).toMatchObject({ unsafePaths: 1, recordsLost: 1, writable: true });
    expect(peer.count(Kind.ACK)).toBe(0);
    await sendAcked(peer, [rec('elsewhere', { fileName: 'g' })]);
    expect(await msgs(dataDir, 'SYS', 'g')).toEqual(['elsewhere']);
  });

  it('makes files 0640 and folders 0750, or the modes asked for', async () => {
    const old = process.umask(0o022);
    try {
      const { peer, dataDir } = await start();
      await sendAcked(peer, [rec('x')]);
      expect((await stat(join(dataDir, 'SYS'))).mode & 0o777).toBe(0o750);
      expect((await stat(join(dataDir, 'SYS', 'f.log'))).mode & 0o777).toBe(0o640);
      await h!.cleanup();
      const other = await start({ fileMode: 0o600, dirMode: 0o700 });
      await sendAcked(other.peer, [rec('x')]);
      expect((await stat(join(other.dataDir, 'SYS'))).mode & 0o777).toBe(0o700);
      expect((await stat(join(other.dataDir, 'SYS', 'f.log'))).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('refuses a data dir that is a file, or owned by another user (ERR_SERVER_DATA_DIR)', async () => {
    const parent = await tempDir();
    await writeFile(join(parent, 'file'), '');
    await expect(createServer({ port: 0, dataDir: join(parent, 'file') })).rejects.toMatchObject({
      code: 'ERR_SERVER_DATA_DIR',
    });
    const foreign = join(parent, 'foreign');
    await mkdir(foreign);
    const uid = process.getuid!() === 0 ? 65534 : process.getuid!();
    // As root, the folder is given to nobody; otherwise no other owner can be made, and
    // this case needs root (the CI runs as root).
    expect(process.getuid!()).toBe(0);
    await chown(foreign, uid, uid);
    await expect(createServer({ port: 0, dataDir: foreign })).rejects.toMatchObject({
      code: 'ERR_SERVER_DATA_DIR',
      message: expect.stringContaining('owned by uid 65534'),
    });
  });
});

describe('a writer that cannot write knows it', () => {
  it('is not writable while writes fail, counts the lost records, and recovers by itself', async () => {
    const { peer, server, dataDir } = await start();
    const warnings: string[] = [];
    server.on('warning', (e: Error) => warnings.push(e.message));
    // A regular file where the folder goes: every write of SYS/f fails (ENOTDIR/EEXIST).
    await writeFile(join(dataDir, 'SYS'), 'in the way');
    const lost = frame([rec('one'), rec('two')]);
    await peer.send(lost);
    await peer.barrier();
    await server.flush();
    expect(server.stats().writer).toMatchObject({ writable: false, recordsLost: 2 });
    expect(peer.count(Kind.ACK)).toBe(0);
    await rm(join(dataDir, 'SYS'));
    // the probe (every second) finds writing works again, with no record sent
    await until(() => server.stats().writer.writable, 'writable again');
    expect(warnings.some((w) => w.includes('writes work again'))).toBe(true);
    await peer.send(lost);
    await peer.waitForAck(3, series.seq);
    expect(await msgs(dataDir, 'SYS', 'f')).toEqual(['one', 'two']);
  });
});

describe('files that move under the server', () => {
  it('a log file renamed by another process is noticed and a new one started at its path', async () => {
    const { peer, server, dataDir } = await start();
    await sendAcked(peer, [rec('before')]);
    await rename(join(dataDir, 'SYS', 'f.log'), join(dataDir, 'SYS', 'f.log.1'));
    await until(() => server.stats().writer.moved === 1, 'the move noticed');
    await sendAcked(peer, [rec('after')]);
    expect(await msgs(dataDir, 'SYS', 'f')).toEqual(['after']);
    expect(await msgsOf(join(dataDir, 'SYS', 'f.log.1'))).toEqual(['before']);
  });

  it('a log file deleted by another process is noticed and written afresh', async () => {
    const { peer, server, dataDir } = await start();
    await sendAcked(peer, [rec('before')]);
    await unlink(join(dataDir, 'SYS', 'f.log'));
    await until(() => server.stats().writer.moved === 1, 'the delete noticed');
    await sendAcked(peer, [rec('after')]);
    expect(await msgs(dataDir, 'SYS', 'f')).toEqual(['after']);
  });

  it('reopen() (SIGHUP) writes what is buffered to the old file and what follows to a new one', async () => {
    const { peer, server, dataDir } = await start({ ackAfterWrite: false });
    await sendAcked(peer, [rec('old 1')]);
    await server.flush();
    await rename(join(dataDir, 'SYS', 'f.log'), join(dataDir, 'SYS', 'f.1'));
    await sendAcked(peer, [rec('buffered')]);
    await server.reopen();
    await sendAcked(peer, [rec('new')]);
    await server.flush();
    expect(await msgsOf(join(dataDir, 'SYS', 'f.1'))).toEqual(['old 1', 'buffered']);
    expect(await msgs(dataDir, 'SYS', 'f')).toEqual(['new']);
    expect(server.stats().writer.reopens).toBe(1);
  });
});
