import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { startCli, useCleanups } from './helpers.js';

const cleanups = useCleanups();
const README = fileURLToPath(new URL('../README.md', import.meta.url));
const ERRORS = fileURLToPath(new URL('../src/errors.ts', import.meta.url));

// What a script author reads in the README: every error code clogs-cli can throw, and
// each exit code's row naming every cause --help names for it.
describe("the README's codes", () => {
  it('names every CliError code', async () => {
    const readme = await readFile(README, 'utf8');
    const codes = [...(await readFile(ERRORS, 'utf8')).matchAll(/'(ERR_CLI_[A-Z_]+)'/g)].map((m) => m[1]!);
    expect(codes.length, 'codes in errors.ts').toBeGreaterThan(3);
    const listed = /clogs-cli throws `CliError`s[\s\S]*?\n\n/.exec(readme)?.[0] ?? '';
    for (const code of new Set(codes)) expect(listed, `where CliError is described: ${code}`).toContain(code);
  });

  it('row 66 says what --help says: a refused key file (mode, weak key) and --etcd-* files', async () => {
    const readme = await readFile(README, 'utf8');
    const row = readme.split('\n').find((l) => /^\| 66 /.test(l)) ?? '';
    const help = (await startCli(['--help'], { cleanups }).exited).out;
    expect(help).toMatch(/\n {2}66 +the key file is refused \(mode, weak key\)/);
    expect(row, 'the mode of a key file').toMatch(/group or others/);
    expect(row, 'a weak key').toMatch(/weak/);
    expect(row, 'the etcd files').toMatch(/--etcd-\*/);
    expect(ExitCode.NO_INPUT).toBe(66);
  });
});
