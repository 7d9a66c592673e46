import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { ExitCode } from '../src/exit-codes.js';
import { FAST_PING, startCli, useCleanups, useTempDir } from './helpers.js';

const cleanups = useCleanups();
const temp = useTempDir('clogs-keyless-warning-');

// A current client without the server's key, unanswered, adds version 1 PINGs to its
// own (it may be talking to an old server). The server's warning about them must name
// the missing key, not only an old client to upgrade: that is the wrong fix.
describe('a keyed clogs-server and a current clogs-cli without a key', () => {
  it('the warning about its version 1 PINGs names a client without the key', async () => {
    const key = join(temp.dir, 'clogs.key');
    expect((await startCli(['keygen', key], { cleanups }).exited).code).toBe(ExitCode.OK);
    const server = ServerProcess.start([
      '--port',
      '0',
      '--data-dir',
      join(temp.dir, 'data'),
      '--key-file',
      key,
    ]);
    cleanups.push(async () => {
      server.child.kill('SIGKILL');
      await server.exited;
    });
    const port = await server.port();
    const cli = startCli(['-s', `127.0.0.1:${port}`, '-c', FAST_PING], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never written\n');
    const { code, err } = await cli.exited;
    expect(code, err).toBe(ExitCode.UNDELIVERED);
    const v1 = /^clogs-server: refused \d+ frames? \(last from [^)]*\): version 1 .*$/m;
    await server.until(() => v1.test(server.stderr), 'the warning about version 1 PINGs');
    const line = v1.exec(server.stderr)![0];
    expect(line, 'it names the PINGs for what they are').toMatch(/version 1 PINGs/);
    expect(line, 'it names the missing key as a cause').toMatch(/without this server.s key/);
  });
});
