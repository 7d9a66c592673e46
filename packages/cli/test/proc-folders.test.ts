import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { ExitCode } from '../src/exit-codes.js';
import { startCli, useCleanups } from './helpers.js';

const cleanups = useCleanups();

// mkdir under /proc fails with ENOENT though /proc exists; Node's recursive mkdir then
// retries for ever, spinning a core and deaf to SIGTERM. A folder that cannot be made
// must be refused at start, whatever the file system answers.
const nowhere = () => `/proc/clogs-${randomBytes(4).toString('hex')}/sub`;

describe('a folder that cannot be made under /proc', () => {
  it('clogs-server --data-dir: exit 71 at start', async () => {
    const p = ServerProcess.start(['--port', '0', '--data-dir', nowhere()]);
    cleanups.push(async () => {
      p.child.kill('SIGKILL');
      await p.exited;
    });
    expect(await p.exited, p.stderr).toBe(71);
    expect(p.stderr).toMatch(/cannot create the data dir .*ENOENT.*\[ERR_SERVER_DATA_DIR\]/);
  }, 20_000);

  it('clogs-cli --spool: exit 73 at start', async () => {
    const cli = startCli(['--spool', nowhere(), '-s', '127.0.0.1:9'], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(/spool .* cannot be made: .*ENOENT.*\[ERR_CLIENT_SPOOL\]/);
    expect(code, err).toBe(ExitCode.CANT_CREATE);
  }, 20_000);

  it("clogs-cli --data-dir (the embedded server's): exit 73 at start", async () => {
    const cli = startCli(['--data-dir', nowhere()], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(/\[ERR_SERVER_DATA_DIR\]/);
    expect(code, err).toBe(ExitCode.CANT_CREATE);
  }, 20_000);
});
