// What a user reads before anything else: --help as a man page, -V/--version on both
// tools, and the shell completion script, each as a real process (completion sourced
// by a real bash).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runServerCommand } from '../../../test/support/server-process.js';
import { ExitCode } from '../src/index.js';
import { COMMANDS } from '../src/repl/commands.js';
import { startCli, useCleanups } from './helpers.js';

const cleanups = useCleanups();
const require = createRequire(import.meta.url);
const cliVersion = (require('../package.json') as { version: string }).version;
const serverVersion = (require('../../server/package.json') as { version: string }).version;

/** Where each heading is in `text`, failing for one missing; they must come in this order. */
function inOrder(text: string, headings: string[]): void {
  const at = headings.map((h) => text.indexOf(h));
  for (const [i, h] of headings.entries())
    expect(at[i], `heading ${JSON.stringify(h)}`).toBeGreaterThanOrEqual(0);
  expect(at, 'the headings in man-page order').toEqual([...at].sort((a, b) => a - b));
}

describe('clogs-cli --help is its man page', () => {
  it('usage, modes, options by group, the shell commands from the registry, exit codes, environment, files, examples', async () => {
    const { code, out } = await startCli(['--help'], { cleanups }).exited;
    expect(code).toBe(0);
    inOrder(out, [
      'Usage: clogs-cli',
      '\nModes:\n',
      '\n  one-shot  ',
      '\n  pipe  ',
      '\n  shell  ',
      '\n  completion  ',
      '\n  keygen  ',
      '\nFleet:\n',
      '\nRecords:\n',
      '\nDelivery:\n',
      '\nInput:\n',
      '\nDeadlines:\n',
      '\nOutput:\n',
      '\nShell commands:\n',
      '\nExit codes:\n',
      '\nEnvironment:\n',
      '\nFiles:\n',
      '\nExamples:\n',
    ]);
    // Every form the program takes is in its synopsis, keygen's too.
    const usage = out.slice(0, out.indexOf('\n\n'));
    expect(usage, 'the synopsis').toContain('clogs-cli keygen <file>');
    expect(out.slice(out.indexOf('\nExamples:\n')), 'a keygen example').toContain('clogs-cli keygen ');
    for (const c of COMMANDS) expect(out, `shell command ${c.name}`).toContain(`  ${c.name}`);
    const exits = out.slice(out.indexOf('\nExit codes:\n'), out.indexOf('\nEnvironment:\n'));
    for (const n of Object.values(ExitCode))
      expect(exits, `exit code ${n}`).toMatch(new RegExp(`\\n  ${n}\\b`));
    expect(out).toContain('--wait-for-servers');
    const records = out.slice(out.indexOf('\nRecords:\n'), out.indexOf('\nDelivery:\n'));
    expect(records, '--redact is listed with the other record options').toContain('--redact <what>');
    expect(out).toContain('NO_COLOR');
    expect(out).toContain('~/.clogs_history');
  });
});

describe('-V and -v and --version, on both tools: "name version"', () => {
  it.each(['-V', '-v', '--version'])('clogs-cli %s', async (flag) => {
    const { code, out } = await startCli([flag], { cleanups }).exited;
    expect({ code, out }).toEqual({ code: 0, out: `clogs-cli ${cliVersion}\n` });
  });

  it.each(['-V', '-v', '--version'])('clogs-server %s', async (flag) => {
    const { code, stdout } = await runServerCommand([flag]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: `clogs-server ${serverVersion}\n` });
  });

  it('clogs-server --help: usage, options, signals, exit codes, environment, files, examples', async () => {
    const { code, stdout } = await runServerCommand(['--help']);
    expect(code).toBe(0);
    inOrder(stdout, [
      'usage: clogs-server',
      '\nmode:\n',
      '\noptions:\n',
      '-V, -v, --version',
      '\nsignals:\n',
      '\nexit codes:\n',
      '\nenvironment:\n',
      '\nfiles:\n',
      '\nexamples:\n',
    ]);
  });
});

describe('clogs-cli completion', () => {
  it('bash: sourced in a real bash, it registers for clogs-cli and completes --for to --format, and --format to its values', async () => {
    const { code, out } = await startCli(['completion', 'bash'], { cleanups }).exited;
    expect(code).toBe(0);
    const reply = (label: string) => `echo "${label}: \${COMPREPLY[*]}"`;
    const script = [
      out,
      'complete -p clogs-cli',
      `COMP_WORDS=(clogs-cli --for); COMP_CWORD=1; _clogs_cli; ${reply('for')}`,
      `COMP_WORDS=(clogs-cli --format ""); COMP_CWORD=2; _clogs_cli; ${reply('format')}`,
      `COMP_WORDS=(clogs-cli --level e); COMP_CWORD=2; _clogs_cli; ${reply('level')}`,
      `COMP_WORDS=(clogs-cli --wait); COMP_CWORD=1; _clogs_cli; ${reply('wait')}`,
      `COMP_WORDS=(clogs-cli completion ""); COMP_CWORD=2; _clogs_cli; ${reply('shells')}`,
      `COMP_WORDS=(clogs-cli k); COMP_CWORD=1; _clogs_cli; ${reply('subcommand')}`,
    ].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['--norc', '-c', script]);
    expect(stdout.split('\n')).toEqual([
      'complete -F _clogs_cli clogs-cli',
      'for: --format',
      'format: clogs raw',
      'level: error',
      'wait: --wait-for-servers',
      'shells: bash zsh',
      'subcommand: keygen',
      '',
    ]);
  });

  it('zsh: a compdef script with the same flags; an unknown shell is a usage error', async () => {
    const zsh = await startCli(['completion', 'zsh'], { cleanups }).exited;
    expect(zsh.code).toBe(0);
    expect(zsh.out).toMatch(/^#compdef clogs-cli\n/);
    expect(zsh.out).toContain('compdef _clogs_cli clogs-cli');
    expect(zsh.out).toContain('--wait-for-servers');
    expect(zsh.out, 'the keygen subcommand').toContain('compadd -- completion keygen');
    const fish = await startCli(['completion', 'fish'], { cleanups }).exited;
    expect(fish.code).toBe(ExitCode.USAGE);
    expect(fish.err).toContain('usage: clogs-cli completion bash|zsh');
  });
});
