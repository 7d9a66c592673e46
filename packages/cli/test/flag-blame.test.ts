import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { FAST_PING, startCli, useCleanups, useTempDir } from './helpers.js';

const cleanups = useCleanups();
const temp = useTempDir('clogs-cli-blame-');

// A flag's bad value is bad usage (64) and names the flag, whether or not a config
// file is given too: the file is not what is wrong (78 would send the user to it).
describe('a bad flag value beside a good config file', () => {
  it.each([
    [['--max-datagram', '100'], /--max-datagram/],
    [['--max-datagram', '65508'], /--max-datagram/],
    [['--cipher', 'aes-256-gcm'], /--cipher.*--key-file/],
  ])('%j: exit 64 naming the flag, not the config file', async (flags, named) => {
    const cli = startCli(['-c', FAST_PING, '--data-dir', join(temp.dir, 'data'), ...flags], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err, 'the message names the flag').toMatch(named);
    expect(err, 'the config file is not blamed').not.toContain('config');
    expect(code, err).toBe(ExitCode.USAGE);
  });

  it('without a config file: the same exit and message', async () => {
    const cli = startCli(['--data-dir', join(temp.dir, 'data'), '--max-datagram', '100'], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(/--max-datagram/);
    expect(code, err).toBe(ExitCode.USAGE);
  });

  it('a --spool folder that cannot be made: exit 73, the config file not blamed', async () => {
    const file = join(temp.dir, 'a-file');
    await writeFile(file, 'x');
    const cli = startCli(['-c', FAST_PING, '-s', '127.0.0.1:9', '--spool', file], { cleanups });
    cli.child.stdin!.end('PAY1 TXT never sent\n');
    const { code, err } = await cli.exited;
    expect(err).toMatch(/spool .*a-file cannot be made/);
    expect(err, 'the config file is not blamed').not.toContain('config');
    expect(code, err).toBe(ExitCode.CANT_CREATE);
  });
});

// Commander's own usage errors speak as the program does, and point at --help.
describe('a flag commander refuses', () => {
  it.each([
    [['--bogus'], "clogs-cli: unknown option '--bogus' (try --help)\n"],
    [
      ['--format', 'xml'],
      /^clogs-cli: option '--format <format>' argument 'xml' is invalid.*\(try --help\)\n$/,
    ],
  ])('%j: exit 64, one "clogs-cli:" line', async (flags, line) => {
    const { code, err } = await startCli(flags, { cleanups }).exited;
    if (typeof line === 'string') expect(err, 'the whole message').toBe(line);
    else expect(err, 'the whole message').toMatch(line);
    expect(code, err).toBe(ExitCode.USAGE);
  });
});
