// clogs-cli --follow --ack over a glob of 40 files: the state file outgrows one page (it
// is then renamed in whole at each save), and SIGKILL lands while it is being saved:
// every run resumes each file from a checkpoint of its own, and no line is lost.
import { appendFileSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { misses } from '../../../test/support/pipeline.js';
import { allDelivered, following, line, startServer } from './follow-support.js';
import { startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-many-');

const FILES = 40;
/** Lines per file appended before each run: line i goes to file i % FILES. */
const PER_RUN = 1_000;
const KILLS = 3;
const N = FILES * PER_RUN * (KILLS + 1);

describe('clogs-cli --follow over many files', () => {
  it('40 files, a state file of several pages, SIGKILL among its saves: every line delivered', async () => {
    const logs = join(local.dir, 'logs');
    await mkdir(logs);
    // Long names: each checkpoint is ~250 bytes, the state ~10 KiB.
    const name = (k: number) => join(logs, `service-${'n'.repeat(60)}-${String(k).padStart(3, '0')}.log`);
    const data = join(local.dir, 'data');
    const { spec } = await startServer(data, cleanups);
    const stateFile = join(local.dir, 'state.json');
    const args = ['-s', spec, '--ack', '--follow', join(logs, 'service-*.log'), '--from', 'start'];
    args.push('--state-file', stateFile);
    let written = 0;
    const append = () => {
      const texts: string[] = Array.from({ length: FILES }, () => '');
      for (const end = written + FILES * PER_RUN; written < end; written++)
        texts[written % FILES] += line(written);
      for (let k = 0; k < FILES; k++) appendFileSync(name(k), texts[k]!);
    };
    for (let kill = 0; kill < KILLS; kill++) {
      append();
      const cli = startCli(args, { cleanups });
      await following(cli);
      if (kill > 0) expect(cli.err()).toContain(`(${FILES} resumed)`);
      const before = await readFile(stateFile, 'utf8');
      // The kill comes as soon as a save after the start is seen: saves follow each other.
      await vi.waitFor(
        async () => {
          if ((await readFile(stateFile, 'utf8')) === before) throw new Error('no save yet');
        },
        { timeout: 20_000, interval: 2 },
      );
      cli.child.kill('SIGKILL');
      const { code } = await cli.exited;
      expect(code, 'killed by SIGKILL').toBeNull();
      const state = JSON.parse(await readFile(stateFile, 'utf8')) as { files: unknown[] };
      expect(state.files, 'a checkpoint for every file').toHaveLength(FILES);
    }
    expect((await stat(stateFile)).size, 'the state is several pages').toBeGreaterThan(4096);
    append();
    const last = startCli(args, { cleanups });
    await following(last);
    expect(last.err()).toContain(`(${FILES} resumed)`);
    const counts = await allDelivered([data], N, 30_000, last);
    last.child.kill('SIGTERM');
    const { code, err } = await last.exited;
    expect(code, err).toBe(143);
    expect(misses(counts).missingCount, 'lines lost').toBe(0);
    let repeats = 0;
    for (const c of counts) repeats += Math.max(0, c - 1);
    console.log(`follow many files: ${N} lines over ${FILES} files, ${KILLS} kills, ${repeats} repeated`);
  }, 90_000);
});
