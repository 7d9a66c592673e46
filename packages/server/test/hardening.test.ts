import type { RemoteInfo } from 'node:dgram';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeLogFrame, Flag, Kind } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import { LogWriter } from '../src/writer/log-writer.js';
import { type Harness, listFiles, readLines, startServer, testRecord } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.cleanup();
  h = undefined;
});

const rec = testRecord;

describe('hardening', () => {
  it('takes a datagram from source port 0 without crashing; its reply is counted as unanswerable', async () => {
    h = await startServer({ ackAfterWrite: false });
    // A normal socket cannot send from port 0, so the datagram is handed to the handler as it would arrive.
    const from: RemoteInfo = { address: '127.0.0.1', family: 'IPv4', port: 0, size: 0 };
    const intake = (h.server as unknown as { intake: { onDatagram(m: Buffer, r: RemoteInfo): void } }).intake;
    const deliver = intake.onDatagram.bind(intake);
    expect(() =>
      deliver(encodeLogFrame([rec('from port 0')], { sender: 1, seq: 1, flags: Flag.ACK_WANTED }), from),
    ).not.toThrow();
    await h.peer.barrier(); // still serving
    expect(h.server.stats()).toMatchObject({ frames: 1, unanswerable: 1, acks: 0 });
    await h.server.flush();
    expect((await readLines(h.dataDir, 'SYS', 'app')).length).toBe(1);
  });

  it('keeps memory and open files bounded when one datagram names thousands of files', async () => {
    h = await startServer({ maxOpenFiles: 16, maxPendingBytes: 2 ** 20, ackAfterWrite: false });
    const files = 2000;
    const many = Array.from({ length: files }, (_, i) => rec('x', { fileName: `f${i}` }));
    await h.peer.send(encodeLogFrame(many, { sender: 1, seq: 1, flags: Flag.ACK_WANTED }));
    await h.peer.waitForAck(1, 1);
    // a quiet file's first chunk is 1 KiB, not the full 256 KiB
    expect(h.server.stats().writer.heldBytes).toBeLessThanOrEqual(files * 1024);
    // the writer is now past maxPendingBytes: the next such datagram is refused, not buffered
    await h.peer.send(encodeLogFrame(many, { sender: 1, seq: 2, flags: Flag.ACK_WANTED }));
    await h.peer.barrier();
    expect(h.server.stats().dropped.writer_behind).toBe(1);
    await h.server.flush();
    const stats = h.server.stats();
    expect(stats.writer).toMatchObject({ writeErrors: 0, bytesLost: 0, heldBytes: 0 });
    expect(stats.writer.openFiles).toBeLessThanOrEqual(16);
    expect((await listFiles(join(h.dataDir, 'SYS'))).length).toBe(files);
    expect((await readLines(h.dataDir, 'SYS', 'f1999')).length).toBe(1);
  });

  it('ackAfterWrite: a frame lost to a failed write is not ACKed, and its resend is written, not taken as a duplicate', async () => {
    h = await startServer({ ackAfterWrite: true });
    const warnings: string[] = [];
    h.server.on('warning', (err: { code: string }) => warnings.push(err.code));
    // <dataDir>/SYS is a file, so SYS/app.log cannot be created
    await writeFile(join(h.dataDir, 'SYS'), 'in the way');
    const frame = encodeLogFrame([rec('must not be lost')], { sender: 5, seq: 42, flags: Flag.ACK_WANTED });
    await h.peer.send(frame);
    await h.peer.barrier();
    await h.server.flush();
    expect(h.peer.count(Kind.ACK)).toBe(0);
    expect(h.server.stats().writer.bytesLost).toBeGreaterThan(0);
    expect(warnings).toContain('ERR_SERVER_WRITE');
    await rm(join(h.dataDir, 'SYS'));
    await h.peer.send(frame);
    await h.peer.waitForAck(5, 42);
    expect(h.server.stats().duplicates).toBe(0);
    expect((await readLines(h.dataDir, 'SYS', 'app')).map((l) => parseLine(l)!.msg.toString())).toEqual([
      'must not be lost',
    ]);
  });

  it('accepts the file system root as data folder without refusing every path', () => {
    const writer = new LogWriter({
      dataDir: { root: '/', inventory: { files: 0, bytes: 0, live: new Set(), rolled: [] } },
      flushMs: 60_000,
      rollBytes: 2 ** 20,
      chunkBytes: 4096,
      maxOpenFiles: 4,
      maxTotalBytes: 2 ** 30,
      maxFiles: 100,
      fileMode: 0o640,
      dirMode: 0o750,
      host: 'h',
      pid: 1,
      onError: () => {},
    });
    try {
      expect(writer.sink('SYS', 'app').path).toBe('/SYS/app.log');
    } finally {
      void writer.close();
    }
  });

  it('a flood of one-frame senders costs 136 bytes of replay state each; past maxSessions, a new epoch, warned once per 10 s', async () => {
    h = await startServer({ maxSessions: 400, ackAfterWrite: false });
    const epochs: string[] = [];
    h.server.on('warning', (err: { code: string }) => epochs.push(err.code));
    const senders = 1500;
    for (let at = 0; at < senders; at += 250) {
      const burst = Array.from({ length: 250 }, (_, i) =>
        h!.peer.send(encodeLogFrame([rec('x')], { sender: 1_000_000 + at + i, seq: (at + i) * 7919 })),
      );
      await Promise.all(burst);
      await h.peer.barrier();
    }
    const s = h.server.stats();
    expect(s).toMatchObject({ frames: senders, epochs: 3, sessions: senders - 1200 });
    // a window of one seq: one 32-seq span (2 words) and its 32 fingerprints
    expect(s.replayBytes).toBe((senders - 1200) * (2 * 4 + 32 * 4));
    expect(epochs).toEqual(['ERR_SERVER_EPOCH']);
  });

  it('sends ACKs held back by the ackDelayMs fault at close(), and counts only ACKs sent', async () => {
    h = await startServer({ faults: { ackDelayMs: 60_000 } });
    await h.peer.send(encodeLogFrame([rec('late ack')], { sender: 3, seq: 7, flags: Flag.ACK_WANTED }));
    await h.peer.barrier();
    expect(h.server.stats().acks).toBe(0);
    const stats = await h.server.close();
    expect(stats.acks).toBe(1); // close() sent it before its last count
    await h.peer.waitForAck(3, 7);
  });
});
