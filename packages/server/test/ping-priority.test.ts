import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { frameV1, KIND } from '../../../test/support/wire-v2-bytes.js';
import { tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a PING read beside LOG frames', () => {
  it('is answered before any of them is written: its PONG goes out ahead of their ACKs', async () => {
    const dataDir = await tempDir();
    // --ack-early: each version 1 LOG frame is ACKed as soon as it is handled.
    const server = ServerProcess.start(['--port', '0', '--data-dir', dataDir, '--ack-early']);
    const socket = createSocket('udp4');
    cleanups.push(async () => {
      socket.close();
      server.child.kill('SIGKILL');
      await server.exited;
      await rm(dataDir, { recursive: true, force: true });
    });
    const port = await server.port();
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const kinds: number[] = [];
    socket.on('message', (msg) => kinds.push(msg[3]!));

    // Stopped, the server cannot read: the frames and the PING wait together in its socket,
    // and it reads them in one turn of its event loop when it runs again.
    server.child.kill('SIGSTOP');
    const frames = 20;
    const records = Array.from({ length: 50 }, (_, i) => ({
      sysId: 'PRI',
      fileName: 'app',
      msg: `line ${i}`,
    }));
    for (let seq = 1; seq <= frames; seq++)
      socket.send(frameV1(KIND.LOG, 7, seq, records), port, '127.0.0.1');
    socket.send(frameV1(KIND.PING, 7, 1000, []), port, '127.0.0.1');
    // Every send has reached the server's socket once its callback ran: one more datagram, awaited.
    await new Promise<void>((resolve) =>
      socket.send(frameV1(KIND.PING, 7, 2000, []), port, '127.0.0.1', () => resolve()),
    );
    server.child.kill('SIGCONT');

    const deadline = Date.now() + 15_000;
    while (kinds.filter((k) => k === KIND.ACK).length < frames && Date.now() < deadline) {
      await once(socket, 'message');
    }
    expect(
      kinds.filter((k) => k === KIND.ACK),
      'an ACK for every LOG frame',
    ).toHaveLength(frames);
    expect(kinds[0], `the first reply of ${kinds.join(',')} (3 = PONG, 4 = ACK)`).toBe(KIND.PONG);
  });
});
