// --follow --ack reading a file again from its checkpoint after the client dropped
// records, while a line longer than any datagram is half written: the skip of that line
// must not carry over to the lines read again, or the first of them is lost unsaid.
import { appendFileSync, copyFileSync, truncateSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { countProduced, misses } from '../../../test/support/pipeline.js';
import { allDelivered, following, muteServer } from './follow-support.js';
import { type CliProcess, startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-read-again-');

/** The producer's line format with a long pad: 16 of them fill the smallest queue the client allows. */
const bigLine = (i: number) => `P${i % 8} TXT ${String(i).padStart(8, '0')} ${'y'.repeat(4000)}\n`;
const LINES = 20;
/** Past the reader's 256 KiB buffer: it skips the line, counted once, up to its newline. */
const LONG = 'z'.repeat(300_000);

/** The smallest queue the client allows, 'wait' said only once it is full; pings that give up soon. */
async function clientConfig(onFull: 'drop-newest' | 'drop-oldest'): Promise<string> {
  const config = join(local.dir, 'client.json');
  const client = {
    maxQueueBytes: 65_536,
    highWaterBytes: 65_536,
    onFull,
    ping: { intervalMs: 200, failureLimit: 3 },
  };
  await writeFile(config, JSON.stringify({ client }));
  return config;
}

/** Until the CLI has said `what`. */
const said = (cli: CliProcess, what: RegExp) =>
  vi.waitFor(
    () => {
      if (!what.test(cli.err())) throw new Error(`not yet ${what}: ${cli.err()}`);
    },
    { timeout: 20_000, interval: 20 },
  );

/**
 * `app.log` (LINES lines) followed under `pattern` by a CLI whose server answers nothing,
 * copy-truncated to `app.log.1` while the queue overflows, LINES more written to it;
 * once the CLI says the server is down, a real server takes its port.
 */
async function copyTruncateWhileDropping(pattern: string): Promise<{ cli: CliProcess; data: string }> {
  const mute = await muteServer(cleanups);
  const config = await clientConfig('drop-newest');
  const app = join(local.dir, 'app.log');
  let text = '';
  for (let i = 0; i < LINES; i++) text += bigLine(i);
  await writeFile(app, text);
  const cli = startCli(
    ['-s', mute.spec, '--ack', '--config', config, '--follow', pattern, '--from', 'start'].concat(
      '--state-file',
      join(local.dir, 'state.json'),
    ),
    { cleanups },
  );
  await following(cli);
  // Rotated while the queue overflows: none of the lines read has settled.
  copyFileSync(app, `${app}.1`);
  truncateSync(app, 0);
  let more = '';
  for (let i = LINES; i < 2 * LINES; i++) more += bigLine(i);
  appendFileSync(app, more);
  await said(cli, /server 127\.0\.0\.1:\d+ down/);
  const data = join(local.dir, 'data');
  await mute.serve(data);
  return { cli, data };
}

describe('clogs-cli --follow reading again from the checkpoint', () => {
  it('after a drop, while a too-long line waits for its newline, the first line read again is delivered', async () => {
    // The queue (64 KiB) fills while no server answers and the next lines are dropped.
    const mute = await muteServer(cleanups);
    const config = await clientConfig('drop-oldest');
    const file = join(local.dir, 'app.log');
    let text = '';
    for (let i = 0; i < LINES; i++) text += bigLine(i);
    // The app is writing a line no datagram holds: its newline is not there yet.
    await writeFile(file, text + LONG);
    const cli = startCli(
      [
        '-s',
        mute.spec,
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
    const data = join(local.dir, 'data');
    await mute.serve(data);
    await said(cli, /reading them again from the checkpoint/);
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

  it('a copy-truncate while the client drops: the copy and the new file are read again, every line delivered', async () => {
    const { cli, data } = await copyTruncateWhileDropping(join(local.dir, 'app.log*'));
    let failure: unknown;
    try {
      await allDelivered([data], 2 * LINES, 15_000, cli);
    } catch (err) {
      failure = err;
    }
    cli.child.kill('SIGTERM');
    const { code, err } = await cli.exited;
    expect(failure, `${String(failure)}\n${err}`).toBeUndefined();
    expect(err).toContain('reading them again from the checkpoint');
    const summary = err.trim().split('\n').at(-1)!;
    expect(summary).toMatch(new RegExp(`^clogs-cli: ${2 * LINES} lines read, ${2 * LINES} sent, `));
    expect(summary).toMatch(/1 rotation \(0 renamed, 1 truncated\)/);
    expect(code, err).toBe(143);
  }, 60_000);

  it('a copy-truncate whose copy is not followed, while the client drops: the lines lost are counted undelivered', async () => {
    // Only app.log: the copy, app.log.1, is under no followed name.
    const { cli, data } = await copyTruncateWhileDropping(join(local.dir, 'app.log'));
    await said(cli, /reading them again from the checkpoint/);
    // The new lines arrive; of the cut file's, those the client dropped cannot.
    const arrived = async () => (await countProduced([data], 2 * LINES)).counts;
    await vi.waitFor(
      async () => {
        const got = (await arrived()).subarray(LINES).filter((c) => c > 0).length;
        if (got < LINES) throw new Error(`${got} of the new lines at the server; ${cli.err()}`);
      },
      { timeout: 15_000, interval: 50 },
    );
    cli.child.kill('SIGTERM');
    const { code, err } = await cli.exited;
    const missing = misses(await arrived()).missingCount;
    expect(missing, `lines of the cut file never delivered\n${err}`).toBeGreaterThan(0);
    // Those it read and the client dropped are counted; those it had not read yet are in
    // the copy only, which no followed name holds (the README's advice: follow 'app.log*').
    const undelivered = Number(/(\d+) undelivered/.exec(err.trim().split('\n').at(-1)!)?.[1] ?? 0);
    expect(undelivered, `the summary counts the dropped ones\n${err}`).toBeGreaterThan(0);
    expect(undelivered, `no more than are missing\n${err}`).toBeLessThanOrEqual(missing);
    expect(code, err).toBe(75);
  }, 60_000);
});
