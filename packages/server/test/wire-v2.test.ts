import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createFrameKey } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  frameV1,
  KIND,
  keyIdOf,
  logV2,
  pingV2,
  SUITE,
  type TestRecord,
} from '../../../test/support/wire-v2-bytes.js';
import { type ClogsServer, createServer, parseLine, type ServerOptions } from '../src/index.js';
import { readLines, tempDir } from './helpers.js';
import { clientSealer, SpecPeer } from './spec-peer.js';

/** 32 random bytes: at least 16 distinct values, as a key must have. */
const newKey = () => {
  for (;;) {
    const k = randomBytes(32);
    if (new Set(k).size >= 16) return k;
  }
};
const KEY = newKey();
const OTHER_KEY = newKey();

interface T {
  server: ClogsServer;
  dataDir: string;
  peer: SpecPeer;
  warnings: string[];
}
const open: T[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) {
    t.peer.close();
    await t.server.close();
    await rm(t.dataDir, { recursive: true, force: true });
  }
});

async function start(options: ServerOptions = {}, peerKey: Buffer | undefined = KEY): Promise<T> {
  const dataDir = await tempDir();
  const server = await createServer({ host: '127.0.0.1', port: 0, dataDir, flushMs: 60_000, ...options });
  const warnings: string[] = [];
  server.on('warning', (e: Error) => warnings.push(e.message));
  const t = { server, dataDir, peer: await SpecPeer.open(server.address.port, peerKey), warnings };
  open.push(t);
  return t;
}
const keyed = (o: ServerOptions = {}) => start({ keys: [createFrameKey(KEY)], ...o });

const rec = (msg: string): TestRecord => ({ sysId: 'SYS', fileName: 'app', msg });
const msgs = async (t: T) => {
  await t.server.flush();
  return (await readLines(t.dataDir, 'SYS', 'app')).map((l) => parseLine(l)!.msg.toString());
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('wire version 2 with a key', () => {
  it('writes sealed frames and ACKs them with ranges, sealed for the client session', async () => {
    for (const suite of [SUITE.CHACHA, SUITE.AES_GCM] as const) {
      const t = await keyed();
      const me = clientSealer(KEY, suite);
      const { boot, body, pong } = await t.peer.ping(me);
      expect(body).toEqual({ status: 0, caps: 0, window: 16_384 });
      expect(pong.suite).toBe(suite);
      expect(pong.keyId).toBe(keyIdOf(KEY));
      expect(pong.peer).toEqual(me.salt.subarray(0, 8)); // bound to this client's session
      expect(boot!.toString('hex')).toBe(t.server.boot);
      // sent without a pause: the server reads them in one turn and answers with one ACK of ranges
      const sends = range(1, 10).map((seq) =>
        t.peer.send(logV2({ sender: 5, seq, records: [rec(`m${seq}`)] }, me, boot)),
      );
      await Promise.all(sends);
      await t.peer.waitForAcks(5, range(1, 10));
      const acks = t.peer.replies.filter((f) => f.kind === KIND.ACK);
      expect(acks.every((a) => a.suite === suite && a.peer!.equals(me.salt.subarray(0, 8)))).toBe(true);
      expect(acks.length).toBeLessThan(10);
      expect(t.server.stats()).toMatchObject({
        frames: 10,
        acks: 10,
        ackDatagrams: acks.length,
        sessions: 1,
      });
      expect(await msgs(t)).toEqual(range(1, 10).map((s) => `m${s}`));
    }
  });

  it('a captured sealed frame sent again is a duplicate: ACKed again, not written twice', async () => {
    const t = await keyed();
    const me = clientSealer(KEY);
    const { boot } = await t.peer.ping(me);
    const frame = logV2({ sender: 5, seq: 1, records: [rec('once')] }, me, boot);
    await t.peer.send(frame);
    await t.peer.waitForAcks(5, [1]);
    await t.peer.send(frame);
    await t.peer.waitFor(() => t.peer.acked(5).length === 2, 'the second ACK');
    expect(t.server.stats()).toMatchObject({ frames: 1, duplicates: 1, replayed: 0 });
    expect(await msgs(t)).toEqual(['once']);
  });

  it('refuses frames older than the window, counted replayed, and takes late ones within it', async () => {
    const t = await keyed({ replayWindow: 64 });
    const me = clientSealer(KEY);
    const { boot, body } = await t.peer.ping(me);
    expect(body.window).toBe(64);
    const frames = range(1, 100).map((seq) => logV2({ sender: 5, seq, records: [rec(`m${seq}`)] }, me, boot));
    for (const seq of range(1, 100)) if (seq !== 40 && seq !== 36) await t.peer.send(frames[seq - 1]!);
    await t.peer.waitForAcks(5, [100]);
    await t.peer.send(frames[35]!); // seq 36: 64 behind 100, out of the window
    await t.peer.send(frames[39]!); // seq 40: 60 behind, never seen: taken
    await t.peer.send(frames[99]!); // seq 100 again: a duplicate
    await t.peer.waitForAcks(5, [40]);
    await t.peer.ping(me);
    expect(t.server.stats()).toMatchObject({ frames: 99, replayed: 1, duplicates: 1 });
    expect(t.peer.acked(5)).not.toContain(36);
    expect(t.peer.acked(5)).toContain(40);
    expect(t.warnings.filter((w) => w.includes('ERR_SERVER_AUTH_REFUSED'))).toEqual([
      expect.stringMatching(/^refused 1 frame \(last from 127\.0\.0\.1:\d+\): replayed frames/),
    ]);
  });

  it('refuses a frame bound to another boot, and starts a new epoch past maxSessions', async () => {
    const t = await keyed({ maxSessions: 2 });
    const a = clientSealer(KEY);
    const b = clientSealer(KEY);
    const c = clientSealer(KEY);
    const { boot } = await t.peer.ping(a);
    await t.peer.send(logV2({ sender: 1, seq: 1, records: [rec('not for this server')] }, a, randomBytes(8)));
    for (const [sender, s] of [
      [1, a],
      [2, b],
    ] as const) {
      await t.peer.send(logV2({ sender, seq: 1, records: [rec(`s${sender}`)] }, s, boot));
    }
    await t.peer.waitForAcks(1, [1]);
    await t.peer.waitForAcks(2, [1]);
    expect(t.server.stats()).toMatchObject({ replayed: 1, epochs: 0, sessions: 2 });
    expect(t.server.stats().errors.ERR_PROTOCOL_BAD_PEER).toBe(1);
    // a third session is one too many: new epoch, new boot, every window forgotten
    await t.peer.send(logV2({ sender: 3, seq: 1, records: [rec('s3')] }, c, boot));
    await t.peer.waitForAcks(3, [1]);
    expect(t.server.stats()).toMatchObject({ epochs: 1, sessions: 1 });
    expect(t.server.boot).not.toBe(boot!.toString('hex'));
    expect(
      t.warnings.some((w) => /^new epoch \(2 sessions, the most kept\).*\[ERR_SERVER_EPOCH\]$/.test(w)),
    ).toBe(true);
    // frames still bound to the old boot are refused; resealed for the new one, they are taken
    await t.peer.send(logV2({ sender: 1, seq: 2, records: [rec('old boot')] }, a, boot));
    const { boot: next } = await t.peer.ping(a);
    expect(next!.toString('hex')).toBe(t.server.boot);
    await t.peer.send(logV2({ sender: 1, seq: 2, records: [rec('resealed')] }, a, next));
    await t.peer.waitForAcks(1, [2]);
    expect(t.server.stats().replayed).toBe(2);
    expect(await msgs(t)).toEqual(['s1', 's2', 's3', 'resealed']);
  });

  it('refuses a flipped tag, an unknown key, plain and version 1 frames; counts each, warns once per reason', async () => {
    const t = await keyed();
    const me = clientSealer(KEY);
    const { boot } = await t.peer.ping(me);
    for (let i = 0; i < 3; i++) {
      const f = logV2({ sender: 5, seq: 1 + i, records: [rec('flipped')] }, me, boot);
      f[f.length - 1 - i]! ^= 0x01; // one bit of the tag
      await t.peer.send(f);
    }
    const body = logV2({ sender: 5, seq: 9, records: [rec('body bit')] }, me, boot);
    body[60]! ^= 0x80; // one bit of the ciphertext
    await t.peer.send(body);
    await t.peer.send(
      logV2({ sender: 5, seq: 1, records: [rec('other key')] }, clientSealer(OTHER_KEY), boot),
    );
    await t.peer.send(logV2({ sender: 5, seq: 1, records: [rec('plain')] }));
    await t.peer.send(pingV2(5, 1)); // a plain PING gets no PONG
    await t.peer.send(frameV1(KIND.LOG, 5, 1, [rec('v1 plain')]));
    await t.peer.send(frameV1(KIND.LOG, 5, 1, [rec('v1 signed')], KEY));
    await t.peer.ping(me);
    const s = t.server.stats();
    expect(s.errors).toEqual({
      ERR_PROTOCOL_BAD_AUTH: 4,
      ERR_PROTOCOL_UNKNOWN_KEY: 1,
      ERR_PROTOCOL_AUTH_REQUIRED: 4,
    });
    expect(s).toMatchObject({ frames: 0, acks: 0, dropped: { auth: 9, malformed: 0 } });
    expect(t.peer.count(KIND.PONG)).toBe(2);
    const warned = t.warnings.filter((w) => w.endsWith('[ERR_SERVER_AUTH_REFUSED]'));
    expect(warned).toHaveLength(4);
    expect(warned[0]).toMatch(/^refused 1 frame \(last from 127\.0\.0\.1:\d+\): the tag does not verify/);
    expect(warned[1]).toMatch(/: sealed with a key this server does not hold/);
    expect(warned[2]).toMatch(/: plain frames at a server with a key/);
    expect(warned[3]).toMatch(/: version 1 frames at a server with a key .*--accept-v1/);
    // the counts since each warning are said at close
    await t.server.close();
    expect(t.warnings.filter((w) => w.endsWith('[ERR_SERVER_AUTH_REFUSED]')).slice(4)).toEqual([
      expect.stringMatching(/^refused 3 frames .*the tag does not verify/),
      expect.stringMatching(/^refused 1 frame .*plain frames/),
      expect.stringMatching(/^refused 1 frame .*version 1 frames/),
    ]);
  });

  it('holds old and new keys while clients move: frames sealed with either are taken, each answered with its own', async () => {
    const t = await start({ keys: [createFrameKey(KEY), createFrameKey(OTHER_KEY)] });
    const other = await SpecPeer.open(t.server.address.port, OTHER_KEY);
    try {
      for (const [peer, key, sender] of [
        [t.peer, KEY, 1],
        [other, OTHER_KEY, 2],
      ] as const) {
        const me = clientSealer(key);
        const { boot, pong } = await peer.ping(me);
        expect(pong.keyId).toBe(keyIdOf(key));
        await peer.send(logV2({ sender, seq: 1, records: [rec(`key ${sender}`)] }, me, boot));
        await peer.waitForAcks(sender, [1]);
      }
      expect(t.peer.unreadable + other.unreadable).toBe(0);
      expect(await msgs(t)).toEqual(['key 1', 'key 2']);
    } finally {
      other.close();
    }
  });

  it('integrity-only frames (suite 3) only with allowIntegrityOnly', async () => {
    const strict = await keyed();
    const me = clientSealer(KEY, SUITE.AUTH_ONLY);
    await strict.peer.send(pingV2(1, 1, me));
    await strict.peer.ping(clientSealer(KEY));
    expect(strict.server.stats().errors).toEqual({ ERR_PROTOCOL_BAD_SUITE: 1 });
    expect(strict.server.stats().dropped).toMatchObject({ auth: 1, malformed: 0 });
    expect(strict.warnings).toEqual([
      expect.stringMatching(/: frames sealed for integrity only .*--allow-integrity-only/),
    ]);
    const lax = await keyed({ allowIntegrityOnly: true });
    const { boot, pong } = await lax.peer.ping(me);
    expect(pong.suite).toBe(SUITE.AUTH_ONLY);
    await lax.peer.send(logV2({ sender: 2, seq: 1, records: [rec('in clear, not forgeable')] }, me, boot));
    await lax.peer.waitForAcks(2, [1]);
    expect(await msgs(lax)).toEqual(['in clear, not forgeable']);
  });

  it('acceptV1: version 1 frames signed with the first key are taken and answered in version 1', async () => {
    const t = await start({ keys: [createFrameKey(KEY), createFrameKey(OTHER_KEY)], acceptV1: true });
    await t.peer.send(frameV1(KIND.PING, 9, 41, [], KEY));
    await t.peer.send(frameV1(KIND.LOG, 9, 1, [rec('v1 signed')], KEY));
    await t.peer.send(frameV1(KIND.LOG, 9, 2, [rec('v1 plain')]));
    await t.peer.waitForAcks(9, [1]);
    await t.peer.ping(clientSealer(KEY));
    const pong = t.peer.replies.find((f) => f.kind === KIND.PONG && f.version === 1);
    expect(pong).toMatchObject({ sender: 9, seq: 42 });
    expect(t.peer.replies.find((f) => f.kind === KIND.ACK)).toMatchObject({ version: 1, seq: 1 });
    expect(t.server.stats().errors).toEqual({ ERR_PROTOCOL_AUTH_REQUIRED: 1 });
    expect(await msgs(t)).toEqual(['v1 signed']);
  });
});

describe('wire version 2 without a key', () => {
  it('takes plain version 2 and version 1 frames, answers each in its version, refuses sealed ones', async () => {
    const t = await start({}, undefined);
    const { body, pong } = await t.peer.ping();
    expect(pong).toMatchObject({ version: 2, suite: 0 });
    expect(body).toEqual({ status: 0, caps: 0, window: 16_384 });
    await t.peer.send(frameV1(KIND.PING, 9, 7, []));
    await t.peer.send(frameV1(KIND.LOG, 9, 1, [rec('v1')]));
    await t.peer.send(logV2({ sender: 8, seq: 1, records: [rec('v2')] }));
    await t.peer.send(
      logV2({ sender: 7, seq: 1, records: [rec('sealed')] }, clientSealer(KEY), Buffer.alloc(8)),
    );
    await t.peer.waitForAcks(9, [1]);
    await t.peer.waitForAcks(8, [1]);
    await t.peer.ping();
    expect(t.peer.replies.find((f) => f.kind === KIND.PONG && f.sender === 9)).toMatchObject({
      version: 1,
      seq: 8,
    });
    expect(t.peer.replies.find((f) => f.kind === KIND.ACK && f.sender === 9)).toMatchObject({ version: 1 });
    expect(t.server.stats().errors).toEqual({ ERR_PROTOCOL_AUTH_UNEXPECTED: 1 });
    expect(await msgs(t)).toEqual(['v1', 'v2']);
  });

  it('frames forged ahead of a sender (its next seqs, other bytes) do not make its real frames go unwritten', async () => {
    const t = await start({}, undefined);
    const sender = 0x5e4de4;
    for (const seq of range(1, 50))
      await t.peer.send(logV2({ sender, seq, records: [rec(`forged ${seq}`)] }));
    await t.peer.waitForAcks(sender, range(1, 50));
    for (const seq of range(1, 50)) await t.peer.send(logV2({ sender, seq, records: [rec(`real ${seq}`)] }));
    await t.peer.ping();
    await t.server.flush();
    const written = await msgs(t);
    expect(written.filter((m) => m.startsWith('real'))).toEqual(range(1, 50).map((s) => `real ${s}`));
    expect(t.server.stats()).toMatchObject({ conflicts: 50, duplicates: 0, frames: 100 });
    // the real frame resent (its ACK lost) is now the duplicate
    await t.peer.send(logV2({ sender, seq: 50, records: [rec('real 50')] }));
    await t.peer.ping();
    expect(t.server.stats()).toMatchObject({ conflicts: 50, duplicates: 1, frames: 100 });
  });

  it('a PONG says CANNOT_WRITE while the writer cannot write, and version 1 PINGs go unanswered', async () => {
    const t = await start({}, undefined);
    let writable = false;
    const writer = (t.server as unknown as { writer: object }).writer;
    Object.defineProperty(writer, 'writable', { get: () => writable, configurable: true });
    await t.peer.send(frameV1(KIND.PING, 9, 7, []));
    expect((await t.peer.ping()).body.status).toBe(1);
    expect(t.peer.replies.filter((f) => f.sender === 9)).toEqual([]);
    writable = true;
    expect((await t.peer.ping()).body.status).toBe(0);
    await t.peer.send(frameV1(KIND.PING, 9, 9, []));
    await t.peer.waitFor((f) => f.sender === 9 && f.seq === 10 && f.version === 1, 'a v1 PONG once writable');
    expect(t.server.stats().pings).toBe(4);
  });

  it('v1 and v2 plain frames of one sender share its window; the fingerprint covers every byte', async () => {
    const t = await start({}, undefined);
    await t.peer.send(frameV1(KIND.LOG, 4, 1, [rec('same')]));
    await t.peer.waitForAcks(4, [1]);
    await t.peer.send(frameV1(KIND.LOG, 4, 1, [rec('same')]));
    await t.peer.send(logV2({ sender: 4, seq: 1, records: [rec('same')] })); // other bytes: version 2
    await t.peer.waitFor(() => t.peer.acked(4).length === 3, 'three ACKs');
    expect(t.server.stats()).toMatchObject({ frames: 2, duplicates: 1, conflicts: 1, sessions: 1 });
  });
});
