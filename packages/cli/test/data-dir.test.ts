import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { startCli, useCleanups, useTempDir } from './helpers.js';

const cleanups = useCleanups();
const temp = useTempDir('clogs-cli-data-dir-');

// The embedded server's folder is the user's input: one that cannot be used is said in
// one line and exits 73 (a folder that cannot be made, as --spool's), never 70 with a
// stack trace (70 is for clogs-cli's own bugs).
describe('--data-dir that cannot be used', () => {
  it('a file where the folder should be: exit 73, one line naming it', async () => {
    const file = join(temp.dir, 'not-a-folder');
    await writeFile(file, 'x');
    const cli = startCli(['--data-dir', file], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(/^clogs-cli: .*data dir .*not-a-folder.*\[ERR_SERVER_DATA_DIR\]\n$/);
    expect(err, 'no stack trace').not.toMatch(/\n\s+at /);
    expect(code, err).toBe(ExitCode.CANT_CREATE);
  });
});
