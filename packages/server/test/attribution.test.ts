import { randomBytes } from 'node:crypto';
import { createFrameKey, encodeLogFrame, Flag } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import { Peer, readLines, serverProcess, startServer } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ATTACK = '\x1b[2J\x1b]0;pwned\x07';

describe('written lines, as a terminal and a reader see them', () => {
  it('a clogs-server process writes an escape attack as visible escapes, and with --attribution its source', async () => {
    const { p, dataDir } = await serverProcess(['--attribution'], cleanups);
    const peer = await Peer.open(await p.port());
    cleanups.push(async () => peer.close());
    const records = [{ sysId: 'SEC', msgType: 'TXT', fileName: 'app', level: 3, msg: ATTACK }];
    await peer.send(encodeLogFrame(records, { sender: 9, seq: 1, flags: Flag.ACK_WANTED }));
    await peer.waitForAck(9, 1);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const [line, ...more] = await readLines(dataDir, 'SEC', 'app');
    expect(more).toEqual([]);
    const text = line!.toString('latin1');
    expect(text).toMatch(
      new RegExp(
        `^\\S+Z 127\\.0\\.0\\.1:${peer.localPort}/plain INFO SEC TXT 0 - \\\\x1b\\[2J\\\\x1b\\]0;pwned\\\\x07$`,
      ),
    );
    expect([...line!].filter((b) => b < 0x20 || b === 0x7f)).toEqual([]);
    expect(parseLine(line!)).toMatchObject({
      msg: Buffer.from(ATTACK),
      source: { address: '127.0.0.1', port: peer.localPort, sealed: 'plain' },
    });
  });

  it('marks the lines of signed frames "signed"; without attribution, lines have no source', async () => {
    // A version 1 signed frame, taken by a keyed server during a migration (--accept-v1).
    const key = randomBytes(32);
    for (const attribution of [true, false]) {
      const h = await startServer(
        { keys: [createFrameKey(key)], acceptV1: true, v1Key: key, attribution },
        key,
      );
      cleanups.push(() => h.cleanup());
      const records = [{ sysId: 'SEC', msgType: 'TXT', fileName: 'app', msg: 'x' }];
      await h.peer.send(encodeLogFrame(records, { sender: 1, seq: 1, flags: Flag.ACK_WANTED, key }));
      await h.peer.waitForAck(1, 1);
      await h.server.flush();
      const [line] = await readLines(h.dataDir, 'SEC', 'app');
      expect(parseLine(line!)?.source).toEqual(
        attribution ? { address: '127.0.0.1', port: h.peer.localPort, sealed: 'signed' } : undefined,
      );
    }
  });
});
