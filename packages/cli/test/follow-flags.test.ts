import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { startCli, useCleanups, useTempDir } from './helpers.js';

const cleanups = useCleanups();
const temp = useTempDir('clogs-cli-follow-flags-');

// The flags of --follow do nothing without it: taken silently, a typo'd or forgotten
// --follow would pipe stdin instead while the user believes a file is followed.
describe('the flags of --follow without --follow', () => {
  it.each([[['--state-file', 'follow.json']], [['--from', 'start']], [['--partial-timeout', '500']]])(
    '%j: bad usage (64) naming the flag and --follow, nothing sent',
    async (flags) => {
      const cli = startCli(['--data-dir', join(temp.dir, 'data'), ...flags], { cleanups });
      cli.child.stdin!.end('PAY1 TXT never sent\n');
      const { code, err } = await cli.exited;
      expect(err, 'the message names the flag').toContain(`${flags[0]} is for --follow`);
      expect(err, 'nothing was read').not.toMatch(/lines? read/);
      expect(code, err).toBe(ExitCode.USAGE);
    },
  );
});
