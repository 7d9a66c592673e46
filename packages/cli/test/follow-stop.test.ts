// clogs-cli --follow --ack stopped by SIGTERM while lines are in flight and --timeout is
// too short to deliver them: the summary and the exit code say undelivered, the state
// file keeps the file's checkpoint (ACKs that come in as the run ends must not save the
// files it has closed), and each next run resumes there, losing nothing.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { misses } from '../../../test/support/pipeline.js';
import { ExitCode } from '../src/exit-codes.js';
import { allDelivered, following, lines, startServer } from './follow-support.js';
import { startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-stop-');

/** Enough that each run is still sending when its signal comes (~24 MB). */
const N = 300_000;
/** Runs stopped in the middle: the end of a run races the ACKs coming in, each stop a chance. */
const STOPS = 3;
const LINE_BYTES = lines(0, 1).length;

const offsetOf = async (stateFile: string) => {
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as { files: { offset: number }[] };
  if (state.files.length !== 1)
    throw new Error(`the state file lost its checkpoint: ${JSON.stringify(state)}`);
  return state.files[0]!.offset;
};

describe('clogs-cli --follow stopped with marks not settled', () => {
  it('SIGTERM with --timeout 1: exit 75 saying undelivered, the checkpoint kept, the next run resumes', async () => {
    const data = join(local.dir, 'data');
    const { spec } = await startServer(data, cleanups);
    const file = join(local.dir, 'app.log');
    await writeFile(file, lines(0, N));
    const stateFile = join(local.dir, 'state.json');
    const args = ['-s', spec, '--ack', '--follow', file, '--from', 'start', '--state-file', stateFile];
    let offset = 0;
    let undelivered = 0;
    for (let stop = 0; stop < STOPS; stop++) {
      const cli = startCli([...args, '--timeout', '1'], { cleanups });
      await following(cli);
      if (stop > 0) expect(cli.err()).toContain('(1 resumed)');
      // Once its checkpoint moves, ACKs stream in: the signal lands among them.
      const from = offset;
      await vi.waitFor(
        async () => {
          if ((await offsetOf(stateFile)) <= from) throw new Error('the checkpoint has not moved yet');
        },
        { timeout: 20_000, interval: 5 },
      );
      cli.child.kill('SIGTERM');
      const { code, err } = await cli.exited;
      const summary = err.trim().split('\n').at(-1)!;
      expect(summary, err).toMatch(/stopped by SIGTERM$/);
      const left = Number(/, (\d+) undelivered/.exec(summary)?.[1] ?? 0);
      // The exit code says what the summary says.
      expect(code, err).toBe(left > 0 ? ExitCode.UNDELIVERED : 143);
      undelivered += left;
      offset = await offsetOf(stateFile);
      expect(offset, 'the checkpoint never goes back').toBeGreaterThan(from);
    }
    expect(undelivered, 'some stop left lines undelivered').toBeGreaterThan(0);

    const last = startCli(args, { cleanups });
    await following(last);
    expect(last.err()).toContain('(1 resumed)');
    const counts = await allDelivered([data], N, 30_000, last);
    last.child.kill('SIGTERM');
    const { code, err } = await last.exited;
    expect(code, err).toBe(143);
    expect(misses(counts).missingCount, 'lines lost').toBe(0);
    let repeats = 0;
    for (const c of counts) repeats += Math.max(0, c - 1);
    // At most what the runs sent past their last checkpoints: never the file again.
    expect(repeats, `${repeats} repeated`).toBeLessThan(N - offset / LINE_BYTES);
  }, 90_000);
});
