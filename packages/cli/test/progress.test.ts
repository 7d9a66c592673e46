import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { fit } from '../src/pipe/progress.js';
import { progressDraws, run, useServer } from './helpers.js';

// Pipe mode's live progress line, on an injected stderr that says it is a terminal.
const local = useServer('clogs-cli-progress-');

describe('the progress line on a terminal', () => {
  it('shows a live progress line when stderr is a terminal, cleared before the summary', async () => {
    const spec = await local.start();
    const stdin = new PassThrough();
    let seen = '';
    const running = run(['-s', spec, '--ack'], stdin, {
      onStderr: (all) => {
        seen = all;
      },
    });
    stdin.write('PRO TXT one\n');
    await vi.waitFor(() => expect(seen).toContain('\r\x1b[K1 read, 1 sent, 1 acked, 0 refused'));
    stdin.end('PRO TXT two\n');
    const { code, err } = await running;
    expect(code).toBe(0);
    expect(err).toContain('\r\x1b[Kclogs-cli: 2 lines read, 2 sent, 2 acked, 0 refused');
  });

  it('the progress line fits the terminal width, and is drawn again within it when the terminal narrows', async () => {
    const spec = await local.start();
    const stdin = new PassThrough();
    let seen = '';
    let resize: ((columns: number) => void) | undefined;
    const running = run(['-s', spec, '--ack'], stdin, {
      onStderr: (all) => {
        seen = all;
      },
      columns: 24,
      resize: (r) => {
        resize = r;
      },
    });
    stdin.write('PRO TXT one\n');
    // 24 columns: 23 characters of "1 read, 1 sent, 1 acked, 0 refused"
    await vi.waitFor(() => expect(seen).toContain('\r\x1b[K1 read, 1 sent, 1 acked\r'));
    const before = seen.length;
    // Narrowed to 10: the 23 characters drawn wrapped onto 3 rows; up 2, clear, draw what
    // fits in 9 of whole fields ("1 read, 1" would pass a cut "1 sent" off as a count).
    resize!(10);
    await vi.waitFor(() => expect(seen.slice(before)).toContain('\r\x1b[2A\x1b[J\r\x1b[K1 read\r'));
    stdin.end();
    const { code, err } = await running;
    expect(code).toBe(0);
    expect(progressDraws(err.slice(0, before)).filter((d) => d.length > 23)).toEqual([]);
    expect(progressDraws(err.slice(before)).filter((d) => d.length > 9)).toEqual([]);
    expect(progressDraws(err.slice(before))).toContain('1 read');
  });
});

describe('fit: the progress text in a width', () => {
  const text = '1234567 read, 1234560 sent, 1200000 acked, 0 refused';
  it.each([
    [text.length, text],
    [40, '1234567 read, 1234560 sent'],
    [26, '1234567 read, 1234560 sent'],
    [25, '1234567 read'],
    [12, '1234567 read'],
    [11, '1234567 re…'],
    [1, '…'],
  ])('in %i columns: %j', (width, expected) => {
    expect(fit(text, width)).toBe(expected);
  });
});
