import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFrameKey } from '@clogs/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { run, tally } from './helpers.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-cli-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('clogs-cli keygen <file>', () => {
  it('writes 32 random bytes as hex to a new file of mode 0600 and prints its key id', async () => {
    const path = join(dir, 'clogs.key');
    const { code, out, err } = await run(['keygen', path], []);
    expect(err).toBe('');
    expect(code).toBe(ExitCode.OK);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    const id = createFrameKey(Buffer.from(text.trim(), 'hex')).id.toString(16).padStart(8, '0');
    expect(out).toBe(`key id ${id} written to ${path} (mode 0600)\n`);
    const again = await run(['keygen', join(dir, 'other.key')], []);
    expect(await readFile(join(dir, 'other.key'), 'utf8'), 'a second key').not.toBe(text);
    expect(again.code).toBe(ExitCode.OK);
  });

  it('never overwrites a file (exit 73, naming it), and wants exactly one file', async () => {
    const path = join(dir, 'clogs.key');
    await writeFile(path, 'precious\n', { mode: 0o600 });
    const { code, err } = await run(['keygen', path], []);
    expect(code).toBe(ExitCode.CANT_CREATE);
    expect(err).toContain(path);
    expect(err).toMatch(/ERR_PROTOCOL_KEY_FILE/);
    expect(await readFile(path, 'utf8')).toBe('precious\n');
    const none = await run(['keygen'], []);
    expect(none.code).toBe(ExitCode.USAGE);
    expect(none.err).toMatch(/keygen takes one argument, the file to write/);
  });
});

describe('--key-file with the embedded server', () => {
  it('the embedded server gets the same key: sealed records are written, at-least-once', async () => {
    const path = join(dir, 'clogs.key');
    expect((await run(['keygen', path], [])).code).toBe(ExitCode.OK);
    const data = join(dir, 'data');
    const { code, err } = await run(
      ['--key-file', path, '--data-dir', data, '--ack', '--format', 'raw', '--sys', 'KEY', '--file', 'k'],
      ['sealed one\n', 'sealed two\n'],
    );
    expect(err).toMatch(/embedded clogs-server on udp:\/\/127\.0\.0\.1:\d+/);
    expect(err).toMatch(/2 lines read, 2 sent, 2 acked, 0 refused\n$/);
    expect(code).toBe(ExitCode.OK);
    expect([...(await tally([data])).entries()]).toEqual([
      ['sealed one', 1],
      ['sealed two', 1],
    ]);
  });
});

describe('--key-file: a key file is read as ssh reads a private key', () => {
  it('refuses a file that group or others can read (exit 66), naming it, its mode and the fix', async () => {
    const path = join(dir, 'open.key');
    const keygen = await run(['keygen', path], []);
    expect(keygen.code).toBe(ExitCode.OK);
    await chmod(path, 0o644);
    const { code, err } = await run(['--key-file', path, '--format', 'raw'], ['never sent\n']);
    expect(code).toBe(ExitCode.NO_INPUT);
    expect(err).toBe(
      `clogs-cli: key file ${path} has mode 0644: group and others must have no access to a key; run chmod 600 ${path} (ERR_PROTOCOL_KEY_FILE_MODE) [ERR_CLI_NO_INPUT]\n`,
    );
  });

  it('refuses a 16-byte key (exit 66) and a typed passphrase, saying why', async () => {
    const short = join(dir, 'short.key');
    // 16 distinct bytes that are neither text nor whitespace: taken as raw key material.
    await writeFile(short, Buffer.from(Array.from({ length: 16 }, (_, i) => 0x80 + i)), { mode: 0o600 });
    const weak = await run(['--key-file', short], ['X TXT never sent\n']);
    expect(weak.code).toBe(ExitCode.NO_INPUT);
    expect(weak.err).toMatch(
      /^clogs-cli: key file .*short\.key is 16 bytes; at least 32 random bytes are needed .*\(ERR_PROTOCOL_WEAK_KEY\) \[ERR_CLI_NO_INPUT\]\n$/,
    );
    const phrase = join(dir, 'phrase.key');
    await writeFile(phrase, 'correct horse battery staple, a long shared secret\n', { mode: 0o600 });
    const typed = await run(['--key-file', phrase], ['X TXT never sent\n']);
    expect(typed.code).toBe(ExitCode.NO_INPUT);
    expect(typed.err).toMatch(/a passphrase is not a key .*\(ERR_PROTOCOL_WEAK_KEY\)/);
  });

  it('refuses a missing key file (exit 66) and --cipher without a key (exit 64)', async () => {
    const missing = await run(['--key-file', join(dir, 'none.key')], []);
    expect(missing.code).toBe(ExitCode.NO_INPUT);
    expect(missing.err).toMatch(/key file .*none\.key cannot be opened: ENOENT/);
    const cipher = await run(['-s', '127.0.0.1:9', '--cipher', 'aes-256-gcm'], ['X TXT never sent\n']);
    expect(cipher.code).toBe(ExitCode.USAGE);
    expect(cipher.err).toMatch(/--cipher says how frames are sealed with a key: give --key-file too/);
  });
});
