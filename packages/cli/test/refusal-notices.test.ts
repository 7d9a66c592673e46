import { beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/index.js';
import { run, useServer } from './helpers.js';

const local = useServer('clogs-cli-refusals-');
let spec: string;
beforeEach(async () => {
  spec = await local.start();
});

const codesIn = (line: string) => line.match(/\[ERR_[A-Z_]+\]/g) ?? [];

describe('pipe mode says why a line was refused: its number, the reason, the most specific code once', () => {
  it('names each refused line, counting too-long and blank lines before it', async () => {
    const input = [
      'PAY1 TXT fine\n',
      '\n',
      'PAY1 TXT\n',
      `PAY1 TXT ${'x'.repeat(70_000)}\n`,
      'TOOLONG TXT sys_id too long\n',
      'PAY1 TXT fine too\n',
    ];
    const { code, err } = await run(['-s', spec, '--ack'], input);
    expect(code).toBe(ExitCode.REFUSED);
    const said = err.split('\n').filter((l) => l.includes(' refused: '));
    expect(said).toEqual([
      'clogs-cli: line 3 refused: empty message [ERR_CLI_BAD_LINE]',
      'clogs-cli: line 4 refused: line longer than 65507 bytes: no datagram holds it [ERR_CLI_BAD_LINE]',
      'clogs-cli: line 5 refused: sys_id is 7 bytes; at most 4 allowed [ERR_PROTOCOL_FIELD_TOO_LONG]',
    ]);
    for (const line of err.split('\n')) expect(codesIn(line).length, line).toBeLessThanOrEqual(1);
    expect(err).toContain(
      '6 lines read, 2 sent, 2 acked, 3 refused (1 empty-message, 1 too-long, 1 bad-sys-id), 1 blank skipped',
    );
  });

  it('names too-long lines in order wherever they fall: back to back, across chunks, last without LF', async () => {
    const big = (c: string) => `PAY1 TXT ${c.repeat(70_000)}`;
    // chunks cut inside lines, as a pipe delivers them
    const text = `${big('a')}\n${big('b')}\nBAD! TXT x\nPAY1 TXT fine\n${big('c')}`;
    const input = [text.slice(0, 1000), text.slice(1000, 100_000), text.slice(100_000)];
    const { code, err } = await run(['-s', spec, '--ack'], input);
    expect(code).toBe(ExitCode.REFUSED);
    const said = err.split('\n').filter((l) => l.includes(' refused: '));
    expect(said.map((l) => /^clogs-cli: line (\d+) refused: (.*)$/.exec(l)?.slice(1))).toEqual([
      ['1', 'line longer than 65507 bytes: no datagram holds it [ERR_CLI_BAD_LINE]'],
      ['2', 'line longer than 65507 bytes: no datagram holds it [ERR_CLI_BAD_LINE]'],
      ['3', 'sys_id may only contain [A-Za-z0-9_] [ERR_PROTOCOL_BAD_CHARSET]'],
      ['5', 'line longer than 65507 bytes: no datagram holds it [ERR_CLI_BAD_LINE]'],
    ]);
    expect(err).toContain('5 lines read, 1 sent, 1 acked, 4 refused (3 too-long, 1 bad-sys-id)');
  });

  it('shows the first ten, then counts the rest in the summary only', async () => {
    const input = Array.from({ length: 25 }, (_, i) => `BAD! TXT line ${i + 1}\n`);
    const { code, err } = await run(['-s', spec, '--ack'], input);
    expect(code).toBe(ExitCode.REFUSED);
    const said = err.split('\n').filter((l) => l.includes(' refused: '));
    expect(said.map((l) => /^clogs-cli: line (\d+) refused: /.exec(l)?.[1])).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    expect(said[0]).toBe(
      'clogs-cli: line 1 refused: sys_id may only contain [A-Za-z0-9_] [ERR_PROTOCOL_BAD_CHARSET]',
    );
    expect(err).toContain(
      'clogs-cli: only the first 10 refused lines are shown; the summary counts them all',
    );
    expect(err).toContain('25 lines read, 0 sent, 0 acked, 25 refused (25 bad-sys-id)');
  });

  it('--quiet says nothing, the exit code says it', async () => {
    const { code, err } = await run(['-s', spec, '--ack', '-q'], ['PAY1 TXT\n']);
    expect(code).toBe(ExitCode.REFUSED);
    expect(err).toBe('');
  });
});
