import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  decodeFrame,
  encodeControlFrame,
  encodeLogFrame,
  Flag,
  Kind,
  type LogRecordInput,
  ProtocolError,
} from '@clogs/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fuzzDatagrams } from '../../../test/support/datagram-fuzz.js';
import { createServer, parseLine, ServerError } from '../src/index.js';
import { ackedSeqs, type Harness, listFiles, Peer, readLines, startServer, tempDir } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const rec = (msg: string | Uint8Array, extra: Partial<LogRecordInput> = {}): LogRecordInput => ({
  sysId: 'PAY1',
  msgType: 'TXT',
  fileName: 'app',
  level: 3,
  timeUs: 1_763_883_686_000_000,
  msg,
  ...extra,
});
const frame = (records: LogRecordInput[], seq: number, ack = false, sender = 7) =>
  encodeLogFrame(records, { sender, seq, flags: ack ? Flag.ACK_WANTED : 0 });

describe('clogs-server', () => {
  it('answers a PING with a PONG of id + 1, echoing the sender', async () => {
    h = await startServer();
    await h.peer.send(encodeControlFrame(Kind.PING, 0xfeedf00d, 0xffff_ffff));
    const pong = await h.peer.waitFor((f) => f.kind === Kind.PONG);
    expect(pong).toMatchObject({ sender: 0xfeedf00d, seq: 0 }); // wraps at 2^32
    expect(h.server.stats().pings).toBe(1);
  });

  it('writes one line per record, messages with newlines and binary bytes included', async () => {
    h = await startServer();
    const msgs: (string | Buffer)[] = [
      'plain',
      'two\nlines',
      'cr\r\nlf',
      'back\\slash',
      'ünïcödé ✓',
      Buffer.from([0, 1, 2, 0x0a, 0xff, 0x5c, 0x0d]),
      '',
    ];
    await h.peer.send(
      frame(
        msgs.map((m, i) => rec(m, { headLen: i === 0 ? 2 : 0, reserved: Buffer.from([i]) })),
        1,
      ),
    );
    await h.peer.send(
      frame([rec('other file', { fileName: 'trade.x-1' }), rec('other sys', { sysId: 'ATM' })], 2),
    );
    await h.peer.barrier();
    await h.server.flush();
    const lines = await readLines(h.dataDir, 'PAY1', 'app');
    expect(lines).toHaveLength(msgs.length);
    lines.forEach((l, i) => {
      const parsed = parseLine(l)!;
      expect(parsed.msg).toEqual(Buffer.from(msgs[i]!));
      expect(parsed).toMatchObject({
        level: 3,
        sysId: 'PAY1',
        msgType: 'TXT',
        timeUs: 1_763_883_686_000_000n,
      });
      expect(parsed.reserved).toEqual(Buffer.from([i]));
    });
    expect(parseLine(lines[0]!)!.headLen).toBe(2);
    expect(
      (await readLines(h.dataDir, 'PAY1', 'trade.x-1')).map((l) => parseLine(l)!.msg.toString()),
    ).toEqual(['other file']);
    expect((await readLines(h.dataDir, 'ATM', 'app')).length).toBe(1);
    expect(h.server.stats()).toMatchObject({ frames: 2, records: msgs.length + 2 });
  });

  it('ACKs a frame with the same sender and seq, and a resend again without writing it twice', async () => {
    h = await startServer();
    const f = frame([rec('once'), rec('twice?')], 41, true, 0x1234);
    await h.peer.send(f);
    await h.peer.waitForAck(0x1234, 41);
    await h.peer.send(f);
    await h.peer.waitFor((x) => x.kind === Kind.ACK && h!.peer.count(Kind.ACK) === 2);
    await h.server.flush();
    expect((await readLines(h.dataDir, 'PAY1', 'app')).length).toBe(2);
    expect(h.server.stats()).toMatchObject({ frames: 1, duplicates: 1, acks: 2 });
    // the same seq from another sender is another frame
    await h.peer.send(frame([rec('other sender')], 41, true, 0x9999));
    await h.peer.waitForAck(0x9999, 41);
    await h.server.flush();
    expect((await readLines(h.dataDir, 'PAY1', 'app')).length).toBe(3);
  });

  it('does not ACK a frame without ACK_WANTED', async () => {
    h = await startServer();
    await h.peer.send(frame([rec('fire and forget')], 1, false));
    await h.peer.barrier();
    expect(h.peer.count(Kind.ACK)).toBe(0);
    expect(h.server.stats().frames).toBe(1);
  });

  it('by default, ACKs only once the lines are in the file', async () => {
    h = await startServer();
    const f = frame([rec('durable', { fileName: 'a' }), rec('also', { fileName: 'b' })], 5, true);
    await h.peer.send(f);
    await h.peer.send(f); // a resend while the first copy is being written: ACKed when it is
    await h.peer.waitForAck(7, 5);
    // at the moment the ACK arrives, both files already hold their line
    expect((await readLines(h.dataDir, 'PAY1', 'a')).length).toBe(1);
    expect((await readLines(h.dataDir, 'PAY1', 'b')).length).toBe(1);
    await h.peer.barrier();
    // both copies came from one client session in one turn: one ACK answers both
    expect(h.peer.count(Kind.ACK)).toBe(1);
    expect(h.server.stats()).toMatchObject({ frames: 1, duplicates: 1, acks: 1 });
  });

  it('drops, counts and does not ACK new frames while the writer is behind (early ACKs)', async () => {
    h = await startServer({ maxPendingBytes: 1, ackAfterWrite: false });
    await h.peer.send(frame([rec('first')], 1, true));
    await h.peer.send(frame([rec('second')], 2, true));
    await h.peer.waitForAck(7, 1);
    await h.peer.barrier();
    expect(h.peer.replies.filter((f) => f.kind === Kind.ACK).flatMap(ackedSeqs)).toEqual([1]);
    expect(h.server.stats().dropped.writer_behind).toBe(1);
    await h.server.flush(); // the writer catches up: the resend is taken
    await h.peer.send(frame([rec('second')], 2, true));
    await h.peer.waitForAck(7, 2);
    await h.server.flush();
    expect((await readLines(h.dataDir, 'PAY1', 'app')).map((l) => parseLine(l)!.msg.toString())).toEqual([
      'first',
      'second',
    ]);
  });

  it('masks card numbers after head_len only with maskPan', async () => {
    h = await startServer({ maskPan: true });
    await h.peer.send(frame([rec('4111111111111111 pan=4111111111111111', { headLen: 16 })], 1));
    await h.peer.barrier();
    await h.server.flush();
    const [line] = await readLines(h.dataDir, 'PAY1', 'app');
    expect(parseLine(line!)!.msg.toString()).toBe('4111111111111111 pan=411111******1111');
  });

  // Keys, sealed frames and version 1 AUTH at a keyed server: wire-v2.test.ts.
  describe('version 1 AUTH', () => {
    const key = Buffer.from('server-key');

    it('without a key, refuses signed frames', async () => {
      h = await startServer();
      await h.peer.send(encodeLogFrame([rec('signed')], { sender: 1, seq: 1, flags: Flag.ACK_WANTED, key }));
      await h.peer.barrier();
      expect(h.peer.count(Kind.ACK)).toBe(0);
      expect(h.server.stats().errors).toEqual({ ERR_PROTOCOL_AUTH_UNEXPECTED: 1 });
    });
  });

  it('refuses hostile file names and sys_ids; nothing is written outside the data folder', async () => {
    h = await startServer();
    const hostile: [string, string][] = [
      ['PAY1', '../../etc/passwd'],
      ['PAY1', '..'],
      ['PAY1', '.'],
      ['PAY1', '.hidden'],
      ['PAY1', '/abs'],
      ['PAY1', 'a\\b'],
      ['PAY1', 'nul\0x'],
      ['..', 'app'],
      ['a/b', 'app'],
      ['.', 'app'],
    ];
    for (const [sys, file] of hostile) {
      // built by hand: the encoder itself refuses these names
      const sysB = Buffer.from(sys);
      const fileB = Buffer.from(file);
      const body = Buffer.concat([
        Buffer.from([sysB.length]),
        sysB,
        Buffer.from([3]),
        Buffer.from('TXT'),
        Buffer.from([fileB.length]),
        fileB,
        Buffer.alloc(1 + 8 + 2 + 1),
        Buffer.from([0, 0, 0, 1]),
        Buffer.from('x'),
      ]);
      const header = Buffer.from([0x43, 0x4c, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9]);
      expect(() => decodeFrame(Buffer.concat([header, body]))).toThrow(ProtocolError);
      await h.peer.send(Buffer.concat([header, body]));
    }
    await h.peer.barrier();
    await h.server.flush();
    expect(h.peer.count(Kind.ACK)).toBe(0);
    expect(h.server.stats().dropped.malformed).toBe(hostile.length);
    expect(await listFiles(h.dataDir)).toEqual([]);
    expect((await readdir(dirname(h.dataDir))).filter((n) => n === 'etc' || n === 'abs')).toEqual([]);
    // "/", "\\", NUL and a "." in sys_id are outside the charsets; ".", ".." and ".hidden" start with a dot
    expect(h.server.stats().errors).toEqual({ ERR_PROTOCOL_BAD_CHARSET: 7, ERR_PROTOCOL_BAD_FILE_NAME: 3 });
  });

  it('survives 10,000 malformed datagrams from the fuzzer and counts every one by code', async () => {
    h = await startServer();
    const datagrams = fc.sample(fuzzDatagrams, { numRuns: 10_000, seed: 42 });
    let refused = 0;
    for (const d of datagrams) {
      try {
        decodeFrame(d);
      } catch {
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(datagrams.length / 2);
    // bounded bursts, so the kernel's receive buffer never overflows: every datagram must be counted
    for (let i = 0; i < datagrams.length; i += 500) {
      await Promise.all(datagrams.slice(i, i + 500).map((d) => h!.peer.send(d)));
      await h.peer.barrier();
    }
    const stats = h.server.stats();
    expect(stats.kernelDrops).toBe(0);
    expect(stats.datagrams).toBe(datagrams.length + datagrams.length / 500);
    const counted = Object.values(stats.errors).reduce((a, b) => a + b, 0);
    expect(counted).toBe(refused);
    expect(stats.dropped.malformed + stats.dropped.auth).toBe(refused);
    // every datagram the decoder accepts is a LOG frame (new or repeated), a PING, or a kind a server does not take
    const barriers = datagrams.length / 500;
    // (a LOG frame whose seq is older than its sender's window is replayed)
    const accepted =
      stats.frames +
      stats.duplicates +
      stats.replayed +
      (stats.pings - barriers) +
      stats.dropped.unexpected_kind;
    expect(accepted).toBe(datagrams.length - refused);
    for (const code of Object.keys(stats.errors)) expect(code).toMatch(/^ERR_PROTOCOL_[A-Z_]+$/);
  });

  it('close() writes, fsyncs and closes everything buffered; nothing ACKed is lost (early ACKs)', async () => {
    h = await startServer({ flushMs: 60_000, ackAfterWrite: false });
    const n = 200;
    for (let seq = 1; seq <= n; seq++) {
      await h.peer.send(frame([rec(`record ${seq}a`), rec(`record ${seq}b`, { fileName: 'b' })], seq, true));
    }
    await h.peer.waitFor(() => h!.peer.count(Kind.ACK) === n);
    expect(h.server.stats().writer.pendingBytes).toBeGreaterThan(0); // the last lines wait in memory: flushMs is a minute
    const stats = await h.server.close();
    expect(stats.writer).toMatchObject({ pendingBytes: 0, bytesLost: 0 });
    expect((await readLines(h.dataDir, 'PAY1', 'app')).map((l) => parseLine(l)!.msg.toString())).toEqual(
      Array.from({ length: n }, (_, i) => `record ${i + 1}a`),
    );
    expect((await readLines(h.dataDir, 'PAY1', 'b')).length).toBe(n);
  });

  it('writes partial buffers every flushMs without being asked', async () => {
    h = await startServer({ flushMs: 20 });
    await h.peer.send(frame([rec('soon')], 1));
    await h.peer.barrier();
    const deadline = Date.now() + 5000;
    // waits on the writer's own progress, bounded by a deadline
    while (h.server.stats().writer.bytesWritten === 0 && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
    }
    expect((await readLines(h.dataDir, 'PAY1', 'app')).length).toBe(1);
  });

  it('rolls files by size with muduo-style names, never splitting a line, losing nothing', async () => {
    h = await startServer({ rollBytes: 8192, chunkBytes: 4096, hostname: 'testhost' });
    const n = 600;
    for (let seq = 1; seq <= n; seq += 10) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        rec(`line ${String(seq + i).padStart(4, '0')} ${'x'.repeat(40)}`),
      );
      await h.peer.send(frame(batch, seq));
      await h.peer.barrier();
      await h.server.flush();
    }
    const files = await listFiles(join(h.dataDir, 'PAY1'));
    const rolled = files.filter((f) => f !== 'app.log');
    expect(rolled.length).toBeGreaterThanOrEqual(3);
    for (const f of rolled) {
      expect(f).toMatch(new RegExp(`^app\\.\\d{8}-\\d{6}\\.testhost\\.${process.pid}(\\.\\d+)?\\.log$`));
    }
    expect(h.server.stats().writer.rolls).toBe(rolled.length);
    // oldest first: names sort by time, then by the collision counter
    const order = (f: string) => {
      const m = /\.(\d{8}-\d{6})\.testhost\.\d+(?:\.(\d+))?\.log$/.exec(f)!;
      return `${m[1]}.${(m[2] ?? '0').padStart(6, '0')}`;
    };
    const ordered = [...rolled.sort((a, b) => order(a).localeCompare(order(b))), 'app.log'];
    const all: string[] = [];
    for (const f of ordered) {
      const lines = await readLines(join(h.dataDir, 'PAY1'), '.', f.replace(/\.log$/, ''));
      expect(lines.reduce((a, l) => a + l.length + 1, 0)).toBeLessThanOrEqual(8192);
      all.push(...lines.map((l) => parseLine(l)!.msg.toString().slice(5, 9)));
    }
    expect(all).toEqual(Array.from({ length: n }, (_, i) => String(i + 1).padStart(4, '0')));
  });

  describe('fault injection (tests only)', () => {
    it('silent: stops answering pings, and answers again when lifted', async () => {
      h = await startServer({ faults: { silent: true } });
      await h.peer.send(encodeControlFrame(Kind.PING, 1, 1));
      await h.peer.send(frame([rec('still logs')], 1, true));
      await h.peer.waitForAck(7, 1); // handled after the ping: no PONG came before it
      expect(h.peer.count(Kind.PONG)).toBe(0);
      h.server.setFaults({ silent: false });
      await h.peer.barrier();
    });

    it('dropFraction 1: nothing written or ACKed; ackDelayMs: ACKs come late', async () => {
      h = await startServer({ faults: { dropFraction: 1 } });
      await h.peer.send(frame([rec('lost')], 1, true));
      await h.peer.barrier();
      expect(h.server.stats().dropped.fault).toBe(1);
      expect(h.peer.count(Kind.ACK)).toBe(0);
      h.server.setFaults({ dropFraction: 0, ackDelayMs: 150 });
      const sent = Date.now();
      await h.peer.send(frame([rec('late')], 2, true));
      await h.peer.waitForAck(7, 2);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(140);
    });
  });

  it('listens on IPv6 loopback too', async () => {
    const dataDir = await tempDir();
    const server = await createServer({ host: '::1', port: 0, dataDir });
    const peer = await Peer.open(server.address.port, '::1');
    try {
      expect(server.address.family).toBe('IPv6');
      await peer.barrier();
    } finally {
      peer.close();
      await server.close();
    }
  });

  it('refuses bad options with ERR_SERVER_BAD_OPTION and a taken port with ERR_SERVER_LISTEN', async () => {
    const bad = async (o: object) => {
      try {
        await createServer({ dataDir: await tempDir(), ...o });
      } catch (err) {
        expect(err).toBeInstanceOf(ServerError);
        const { code, detail, message } = err as ServerError;
        // the one error format: the text a person reads, then the code, once
        expect(message).toBe(`${detail} [${code}]`);
        expect(detail).not.toMatch(/\[ERR_/);
        return code;
      }
      return 'started';
    };
    expect(await bad({ port: 70_000 })).toBe('ERR_SERVER_BAD_OPTION');
    expect(await bad({ flushMs: 0 })).toBe('ERR_SERVER_BAD_OPTION');
    expect(await bad({ faults: { dropFraction: 2 } })).toBe('ERR_SERVER_BAD_OPTION');
    expect(await bad({ keys: [{ id: 1, bytes: Buffer.from('short') }] })).toBe('ERR_SERVER_BAD_OPTION');
    expect(await bad({ replayWindow: 63 })).toBe('ERR_SERVER_BAD_OPTION');
    expect(await bad({ host: '0.0.0.0' })).toBe('ERR_SERVER_INSECURE');
    h = await startServer();
    expect(await bad({ port: h.server.address.port })).toBe('ERR_SERVER_LISTEN');
    expect(() => h!.server.setFaults({ dropFraction: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_SERVER_BAD_OPTION' }),
    );
  });
});
