import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecordInput } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLine, type ServerOptions } from '../src/index.js';
import {
  FrameSeries,
  type Harness,
  listFiles,
  type Peer,
  readLines,
  startServer,
  testRecord,
} from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const CARD = '4111111111111111';
const MASKED = '411111******1111';

const rec = testRecord;
const series = new FrameSeries(9);
const frame = (records: LogRecordInput[]) => series.frame(records);

const sendAcked = (peer: Peer, records: LogRecordInput[]) => series.sendAcked(peer, records);

async function start(options: ServerOptions = {}): Promise<Harness> {
  h = await startServer({ flushMs: 10, ...options });
  return h;
}

const lines = async (dir: string, sys = 'SYS', file = 'app') =>
  (await readLines(dir, sys, file)).map((l) => parseLine(l)!);

describe('ClogsServer.applyConfig', () => {
  it('allowSys: a sys_id whose file is open already is refused from the next record, and taken again after', async () => {
    const { server, peer, dataDir } = await start();
    await sendAcked(peer, [rec('before')]);
    expect(server.applyConfig({ allowSys: ['OPS'] })).toEqual(['allowSys']);
    await peer.send(frame([rec('refused')]));
    await peer.barrier();
    expect(server.stats().dropped.sys_not_allowed).toBe(1);
    await sendAcked(peer, [rec('ops', { sysId: 'OPS' })]);
    expect(server.applyConfig({ allowSys: undefined })).toEqual(['allowSys']);
    await sendAcked(peer, [rec('after')]);
    expect((await lines(dataDir)).map((l) => l.msg.toString())).toEqual(['before', 'after']);
    expect(server.settings.allowSys).toBeUndefined();
  });

  it('maskPan and attribution: lines change from the next datagram', async () => {
    const { server, peer, dataDir } = await start();
    await sendAcked(peer, [rec(`card ${CARD}`)]);
    expect(server.applyConfig({ maskPan: true, attribution: true }).sort()).toEqual([
      'attribution',
      'maskPan',
    ]);
    await sendAcked(peer, [rec(`card ${CARD}`)]);
    server.applyConfig({ maskPan: false, attribution: false });
    await sendAcked(peer, [rec(`card ${CARD}`)]);
    const got = await lines(dataDir);
    expect(got.map((l) => l.msg.toString())).toEqual([`card ${CARD}`, `card ${MASKED}`, `card ${CARD}`]);
    expect(got.map((l) => l.source?.port)).toEqual([undefined, peer.localPort, undefined]);
  });

  it('rollBytes: the next write past the new size rolls the file', async () => {
    const { server, peer, dataDir } = await start({ hostname: 'h' });
    await sendAcked(peer, [rec('x'.repeat(300))]);
    server.applyConfig({ rollBytes: 200 });
    await sendAcked(peer, [rec('y')]);
    const files = await listFiles(join(dataDir, 'SYS'));
    expect(files).toHaveLength(2);
    expect(server.stats().writer.rolls).toBe(1);
    expect((await lines(dataDir)).map((l) => l.msg.toString())).toEqual(['y']);
  });

  it('maxFiles lowered: new file names are refused at the new bound; raised: taken again', async () => {
    const { server, peer } = await start();
    for (const f of ['a', 'b']) await sendAcked(peer, [rec(f, { fileName: f })]);
    server.applyConfig({ maxFiles: 2 });
    await peer.send(frame([rec('c', { fileName: 'c' })]));
    await peer.barrier();
    expect(server.stats().dropped.file_limit).toBe(1);
    server.applyConfig({ maxFiles: 3 });
    await sendAcked(peer, [rec('c', { fileName: 'c' })]);
    expect(server.stats().writer.filesOnDisk).toBe(3);
  });

  it('a bad value throws ERR_SERVER_BAD_OPTION naming it, and nothing of the call applies', async () => {
    const { server, dataDir } = await start({ rollBytes: 4096 });
    const before = server.settings;
    for (const bad of [
      { maskPan: 'yes' },
      { rollBytes: 0 },
      { rollBytes: '64M' },
      { maxTotalBytes: 1.5 },
      { rollEvery: 'week' },
      { allowSys: [] },
      { allowSys: ['TOO_LONG'] },
      { port: 7070 },
    ]) {
      expect(() => server.applyConfig({ attribution: true, ...(bad as object) })).toThrow(
        expect.objectContaining({
          code: 'ERR_SERVER_BAD_OPTION',
          message: expect.stringContaining(Object.keys(bad)[0]!),
        }),
      );
    }
    expect(server.settings).toEqual(before);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('sys: a sub-system masked and rolled of its own, the others as the server', async () => {
    const { server, peer, dataDir } = await start({ hostname: 'h' });
    server.applyConfig({ sys: { PAY1: { maskPan: true, rollBytes: 100 }, OPS: { maskPan: false } } });
    await sendAcked(peer, [rec(`a ${CARD}`, { sysId: 'PAY1' }), rec(`a ${CARD}`)]);
    await sendAcked(peer, [rec(`b ${CARD}`, { sysId: 'PAY1' }), rec(`b ${CARD}`)]);
    expect((await lines(dataDir, 'PAY1')).map((l) => l.msg.toString())).toEqual([`b ${MASKED}`]);
    expect(await listFiles(join(dataDir, 'PAY1'))).toHaveLength(2);
    expect((await lines(dataDir)).map((l) => l.msg.toString())).toEqual([`a ${CARD}`, `b ${CARD}`]);
    // The server masks; OPS says not for its own records.
    server.applyConfig({ maskPan: true });
    await sendAcked(peer, [rec(`c ${CARD}`, { sysId: 'OPS' }), rec(`c ${CARD}`)]);
    expect((await lines(dataDir, 'OPS')).map((l) => l.msg.toString())).toEqual([`c ${CARD}`]);
    expect((await lines(dataDir)).at(-1)!.msg.toString()).toBe(`c ${MASKED}`);
    expect(() => server.applyConfig({ sys: { PAY1: { attribution: true } as object } })).toThrow(
      /sys\.PAY1\.attribution is not an option/,
    );
    expect(() => server.applyConfig({ sys: { 'A/B': {} } })).toThrow(/sys must be keyed by sys_ids/);
  });

  it('returns nothing when nothing changes (an allow-list in another order is the same)', async () => {
    const { server } = await start({ allowSys: ['A', 'B'], maskPan: true });
    expect(server.applyConfig({ allowSys: ['B', 'A'], maskPan: true })).toEqual([]);
  });
});
