import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LossyLink } from './support/lossy-link.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** A server that echoes every datagram, and a client socket; both on 127.0.0.1. */
async function echoPair() {
  const server = createSocket('udp4');
  server.on('message', (msg, from) => server.send(msg, from.port, from.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  const client = createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  closers.push(
    () => server.close(),
    () => client.close(),
  );
  return { server, client };
}

describe('the lossy link (a userspace netem)', () => {
  it('delays each direction by its delay, and passes every datagram once when told to lose none', async () => {
    const { server, client } = await echoPair();
    const link = await LossyLink.start({
      target: { host: '127.0.0.1', port: server.address().port },
      up: { delayMs: 15 },
      down: { delayMs: 10 },
    });
    closers.push(() => link.close());
    const rtts: number[] = [];
    const sentAt = new Map<number, number>();
    const done = new Promise<void>((resolve) => {
      client.on('message', (msg) => {
        rtts.push(performance.now() - sentAt.get(msg.readUInt32BE(0))!);
        if (rtts.length === 50) resolve();
      });
    });
    for (let i = 0; i < 50; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      sentAt.set(i, performance.now());
      client.send(b, link.port, '127.0.0.1');
    }
    await done;
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(25);
    // Timers fire a little late; loopback adds a fraction of a ms.
    expect(Math.max(...rtts)).toBeLessThan(25 + 20);
    expect(link.stats.up).toMatchObject({ in: 50, lost: 0, duplicated: 0, out: 50 });
    expect(link.stats.down).toMatchObject({ in: 50, lost: 0, duplicated: 0, out: 50 });
  });

  it('loses, duplicates and reorders as told, by a seeded generator, and accounts for every datagram', async () => {
    const { server, client } = await echoPair();
    const link = await LossyLink.start({
      target: { host: '127.0.0.1', port: server.address().port },
      up: { delayMs: 2, loss: 0.1, duplicate: 0.05, reorder: 0.1 },
      seed: 7,
    });
    closers.push(() => link.close());
    const N = 2000;
    const got: number[] = [];
    client.on('message', (msg) => got.push(msg.readUInt32BE(0)));
    // In batches, so no socket buffer on the way overflows on a busy machine.
    for (let i = 0; i < N; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      client.send(b, link.port, '127.0.0.1');
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const up = link.stats.up;
    await vi.waitFor(
      () => {
        // Done when every datagram is accounted for (delayed and reordered ones included)
        // and every one passed came back; a datagram never accounted for fails here.
        if (up.in !== N || up.out !== N - up.lost + up.duplicated || got.length !== up.out) {
          throw new Error(
            `link saw ${up.in} of ${N}, passed ${up.out} (lost ${up.lost}, duplicated ${up.duplicated}); echoed back ${got.length}`,
          );
        }
      },
      { timeout: 10_000, interval: 5 },
    );
    expect(up.out).toBe(N - up.lost + up.duplicated);
    // 10% ± 2 points lost, 5% ± 1.5 duplicated, 10% ± 2 reordered: the seed fixes the run.
    expect(up.lost / N).toBeGreaterThan(0.08);
    expect(up.lost / N).toBeLessThan(0.12);
    expect(up.duplicated / N).toBeGreaterThan(0.035);
    expect(up.duplicated / N).toBeLessThan(0.065);
    expect(up.reordered / N).toBeGreaterThan(0.08);
    // Reordered ones arrive after later ones.
    let inversions = 0;
    for (let i = 1; i < got.length; i++) if (got[i]! < got[i - 1]!) inversions++;
    expect(inversions).toBeGreaterThan(0);
  });
});

describe('the lossy link as the attacker on the path', () => {
  it('records, flips a bit, drops or rewrites, injects both ways and replays from a socket of its own', async () => {
    const { server, client } = await echoPair();
    const atServer: Buffer[] = [];
    server.on('message', (m) => atServer.push(m));
    const link = await LossyLink.start({
      target: { host: '127.0.0.1', port: server.address().port },
      record: true,
    });
    closers.push(() => link.close());
    const atClient: Buffer[] = [];
    client.on('message', (m) => atClient.push(m));
    link.flipBits({ dir: 'up', byte: -1, bit: 7, count: 1, match: (m) => m[0] === 2 });
    link.tamper = (m, dir) =>
      dir === 'up' && m[0] === 3 ? null : dir === 'up' && m[0] === 4 ? Buffer.from([40]) : undefined;
    for (const b of [1, 2, 3, 4, 2]) client.send(Buffer.from([b, 0]), link.port, '127.0.0.1');
    await vi.waitFor(() => expect(atClient.length).toBe(4), { timeout: 5000, interval: 5 });
    // 2's last byte flipped once (0x80), 3 dropped, 4 rewritten; the second 2 passes clean
    expect(atServer.map((m) => m.toString('hex'))).toEqual(['0100', '0280', '28', '0200']);
    expect(link.flipsLeft).toBe(0);
    expect(link.recorded!.up.map((m) => m.toString('hex'))).toEqual(['0100', '0200', '0300', '0400', '0200']);
    expect(link.stats.up).toMatchObject({ in: 5, tampered: 3, out: 4 });
    link.inject('up', [Buffer.from('forged up')]);
    link.inject('down', [Buffer.from('forged down')]);
    await vi.waitFor(() => expect(atClient.map(String)).toContain('forged down'), {
      timeout: 5000,
      interval: 5,
    });
    // the forged datagram came from the client's upstream socket: its echo reached the client
    await vi.waitFor(() => expect(atClient.map(String)).toContain('forged up'), {
      timeout: 5000,
      interval: 5,
    });
    const replies = await link.replay(link.recorded!.up.slice(0, 2));
    await vi.waitFor(() => expect(replies.map((m) => m.toString('hex'))).toEqual(['0100', '0200']), {
      timeout: 5000,
      interval: 5,
    });
  });
});
