import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLogLines, readMessages, readParsedLines, splitLines } from './support/log-file.js';

const dir = await mkdtemp(join(tmpdir(), 'clogs-log-file-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const LINE = '2026-12-07T14:00:00.000000Z INFO PAY1 TXT 0 - ';

describe('test/support/log-file', () => {
  it('splits at each LF, leaves out a line still being written, and refuses one in a complete file', () => {
    const bytes = Buffer.from('a\n\nbc\nhalf');
    expect(splitLines(bytes).map(String)).toEqual(['a', '', 'bc']);
    expect(() => splitLines(bytes, { complete: true })).toThrow('file does not end with a newline');
    expect(splitLines(Buffer.from('a\n'), { complete: true }).map(String)).toEqual(['a']);
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
  });

  it('reads no lines from a file that is not there, and fails on any other read error', async () => {
    expect(await readLogLines(join(dir, 'absent.log'))).toEqual([]);
    await expect(readLogLines(dir)).rejects.toThrow(/EISDIR/);
  });

  it('parses each line of a file, and names a line that does not parse', async () => {
    const good = join(dir, 'good.log');
    await writeFile(good, `${LINE}one\n${LINE}two é\n`);
    expect(await readMessages(good)).toEqual(['one', 'two é']);
    const bad = join(dir, 'bad.log');
    await writeFile(bad, `${LINE}one\nnot a line\n`);
    await expect(readParsedLines(bad)).rejects.toThrow(`${bad}:2 does not parse: not a line`);
  });
});
