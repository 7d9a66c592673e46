import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runServerCommand } from '../../../test/support/server-process.js';
import { ExitCode } from '../src/exit-codes.js';
import { startCli, useCleanups, useTempDir } from './helpers.js';

const cleanups = useCleanups();
const temp = useTempDir('clogs-key-reasons-');

// The READMEs: "a file of hex digits is decoded"; only other printable text is refused
// as a passphrase. A short hex key (what `openssl rand -hex 16` writes) and an empty
// file are refused for what they are, by both programs, naming the file.
describe.each([
  [
    '16 bytes of hex',
    `${'3f'.repeat(8)}${'a1'.repeat(8)}\n`,
    /key file \S+ holds 32 hex digits \(16 bytes\); at least 64 hex digits \(32 bytes\) are needed/,
  ],
  ['an empty file', '', /key file \S+ is empty/],
])('a key file of %s', (_what, content, reason) => {
  const keyFile = () => join(temp.dir, 'clogs.key');
  beforeEach(() => writeFile(keyFile(), content, { mode: 0o600 }));

  it('clogs-cli refuses it for that reason, not as a passphrase (exit 66)', async () => {
    const cli = startCli(['--key-file', keyFile(), '--data-dir', join(temp.dir, 'data')], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(reason);
    expect(err).not.toMatch(/passphrase/);
    expect(code, err).toBe(ExitCode.NO_INPUT);
  });

  it('clogs-server refuses it for that reason, not as a passphrase (exit 78)', async () => {
    const { code, stderr } = await runServerCommand([
      '--port',
      '0',
      '--data-dir',
      join(temp.dir, 'data'),
      '--key-file',
      keyFile(),
    ]);
    expect(stderr).toMatch(reason);
    expect(stderr).not.toMatch(/passphrase/);
    expect(code, stderr).toBe(78);
  });
});
