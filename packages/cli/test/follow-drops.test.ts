// --follow --ack when the client drops records (its queue full while no server
// acknowledges): the lines dropped are read again from the checkpoint and delivered once
// a server is back, never skipped by a checkpoint that moved past them.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { allDelivered, startServer } from './follow-support.js';
import { startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-drops-');

/** The producer's line format with a long pad: 16 of them fill the smallest queue the client allows. */
const bigLine = (i: number) => `P${i % 8} TXT ${String(i).padStart(8, '0')} ${'y'.repeat(4000)}\n`;
const LINES = 20;

describe('clogs-cli --follow and records the client dropped', () => {
  it('lines dropped while no server acknowledges are read again and delivered once one does', async () => {
    // A "server" that takes datagrams and never answers: frames wait for ACKs until the
    // queue (64 KiB here) is full and the next lines are dropped.
    const mute = createSocket('udp4');
    mute.bind(0, '127.0.0.1');
    await once(mute, 'listening');
    const port = mute.address().port;
    let muteOpen = true;
    cleanups.push(async () => {
      if (muteOpen) mute.close();
    });
    const config = join(local.dir, 'client.json');
    await writeFile(
      config,
      JSON.stringify({
        // log() says "wait" only once the queue is full: the next line is dropped at once.
        client: { maxQueueBytes: 65_536, highWaterBytes: 65_536, ping: { intervalMs: 200, failureLimit: 3 } },
      }),
    );
    const file = join(local.dir, 'app.log');
    let text = '';
    for (let i = 0; i < LINES; i++) text += bigLine(i);
    await writeFile(file, text);
    const cli = startCli(
      [
        '-s',
        `127.0.0.1:${port}`,
        '--ack',
        '--config',
        config,
        '--follow',
        file,
        '--from',
        'start',
        '--state-file',
        join(local.dir, 'state.json'),
      ],
      { cleanups },
    );
    // Its pings unanswered, the server is taken down; by then the queue has overflowed.
    await vi.waitFor(
      () => {
        if (!/server 127\.0\.0\.1:\d+ down/.test(cli.err())) throw new Error(`not down yet: ${cli.err()}`);
      },
      { timeout: 15_000, interval: 20 },
    );
    // A real server on the same port.
    mute.close();
    muteOpen = false;
    const data = join(local.dir, 'data');
    await startServer(data, cleanups, port);
    await allDelivered([data], LINES, 20_000, cli);
    cli.child.kill('SIGTERM');
    const { code, err } = await cli.exited;
    expect(err).toContain('records were dropped by the client; reading them again from the checkpoint');
    // Each line counted once, and a drop made good is not undelivered.
    expect(err.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^clogs-cli: ${LINES} lines read, ${LINES} sent, ${LINES} acked, 0 refused, 1 file followed \\(0 resumed\\), \\d+ windows? read again, stopped by SIGTERM$`,
      ),
    );
    expect(code, err).toBe(143);
  }, 45_000);
});
