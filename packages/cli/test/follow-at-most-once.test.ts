// clogs-cli --follow without --ack (at-most-once: a mark settles once its lines are
// sent): lines that wait for a server that never answers are not sent, so the checkpoint
// does not move past them; stopped, the run says them undelivered (exit 75), and the
// next run, a server up, delivers them.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { misses } from '../../../test/support/pipeline.js';
import { ExitCode } from '../src/exit-codes.js';
import { allDelivered, following, lines, muteServer } from './follow-support.js';
import { FAST_PING, startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-amo-');

const N = 100;

describe('clogs-cli --follow at-most-once', () => {
  it('lines parked while no server answers keep the checkpoint; stopped, the run says them undelivered (75)', async () => {
    const mute = await muteServer(cleanups);
    const file = join(local.dir, 'app.log');
    await writeFile(file, lines(0, N));
    const stateFile = join(local.dir, 'state.json');
    const args = ['-s', mute.spec, '--config', FAST_PING, '--follow', file, '--from', 'start'];
    args.push('--state-file', stateFile);
    const first = startCli([...args, '--timeout', '300'], { cleanups });
    await following(first);
    // Read at once, the lines wait parked until the server is found down (pings unanswered).
    await vi.waitFor(
      () => {
        if (!/server 127\.0\.0\.1:\d+ down/.test(first.err()))
          throw new Error(`not down yet: ${first.err()}`);
      },
      { timeout: 20_000, interval: 20 },
    );
    first.child.kill('SIGTERM');
    const { code, err } = await first.exited;
    const summary = err.trim().split('\n').at(-1)!;
    expect(summary, err).toMatch(
      new RegExp(`^clogs-cli: ${N} lines read, 0 sent, 0 refused, ${N} undelivered.*stopped by SIGTERM$`),
    );
    expect(code, err).toBe(ExitCode.UNDELIVERED);
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { files: { offset: number }[] };
    expect(
      state.files.map((f) => f.offset),
      'the checkpoint stays before the lines not sent',
    ).toEqual([0]);

    const data = join(local.dir, 'data');
    await mute.serve(data);
    const second = startCli(args, { cleanups });
    await following(second);
    expect(second.err()).toContain('(1 resumed)');
    const counts = await allDelivered([data], N, 20_000, second);
    second.child.kill('SIGTERM');
    const stopped = await second.exited;
    expect(stopped.code, stopped.err).toBe(143);
    expect(misses(counts).missingCount).toBe(0);
    expect(stopped.err.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^clogs-cli: ${N} lines read, ${N} sent,`),
    );
  }, 60_000);
});
