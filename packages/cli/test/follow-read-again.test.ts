// --follow --ack reading a file again from its checkpoint after the client dropped
// records, while a line longer than any datagram is half written: the skip of that line
// must not carry over to the lines read again, or the first of them is lost unsaid.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { misses } from '../../../test/support/pipeline.js';
import { allDelivered, startServer } from './follow-support.js';
import { startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-read-again-');

/** The producer's line format with a long pad: 16 of them fill the smallest queue the client allows. */
const bigLine = (i: number) => `P${i % 8} TXT ${String(i).padStart(8, '0')} ${'y'.repeat(4000)}\n`;
const LINES = 20;
/** Past the reader's 256 KiB buffer: it skips the line, counted once, up to its newline. */
const LONG = 'z'.repeat(300_000);

describe('clogs-cli --follow reading again from the checkpoint', () => {
  it('after a drop, while a too-long line waits for its newline, the first line read again is delivered', async () => {
    // A "server" that takes datagrams and never answers: the queue (64 KiB) fills and
    // the next lines are dropped.
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
        client: {
          maxQueueBytes: 65_536,
          highWaterBytes: 65_536,
          onFull: 'drop-oldest',
          ping: { intervalMs: 200, failureLimit: 3 },
        },
      }),
    );
    const file = join(local.dir, 'app.log');
    let text = '';
    for (let i = 0; i < LINES; i++) text += bigLine(i);
    // The app is writing a line no datagram holds: its newline is not there yet.
    await writeFile(file, text + LONG);
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
    // The follower has read up to the long line and skips it until its newline comes.
    await vi.waitFor(
      () => {
        if (!/refused: line too long/.test(cli.err()))
          throw new Error(`not at the long line yet: ${cli.err()}`);
      },
      { timeout: 20_000, interval: 20 },
    );
    // A real server on the same port: the marks settle with drops, the file is read again.
    mute.close();
    muteOpen = false;
    const data = join(local.dir, 'data');
    await startServer(data, cleanups, port);
    await vi.waitFor(
      () => {
        if (!cli.err().includes('reading them again from the checkpoint'))
          throw new Error(`not read again yet: ${cli.err()}`);
      },
      { timeout: 20_000, interval: 20 },
    );
    // The long line ends, and one more line comes.
    await appendFile(file, `\n${bigLine(LINES)}`);
    let counts: Uint8Array | undefined;
    let failure: unknown;
    try {
      counts = await allDelivered([data], LINES + 1, 10_000, cli);
    } catch (err) {
      failure = err;
    }
    cli.child.kill('SIGTERM');
    const { code, err } = await cli.exited;
    expect(failure, `${String(failure)}\n${err}`).toBeUndefined();
    expect(misses(counts!).missingCount).toBe(0);
    // Every line counted once: the long one is one refusal, however often its window was read.
    expect(err.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^clogs-cli: ${LINES + 2} lines read, ${LINES + 1} sent, ${LINES + 1} acked, 1 refused \\(1 too-long\\),`,
      ),
    );
    expect(code, err).toBe(143);
  }, 60_000);
});
