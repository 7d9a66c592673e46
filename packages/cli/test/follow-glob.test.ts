// --follow's patterns: `*` and `?` in the last path segment, matched against a real folder.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandPattern } from '../src/follow/glob.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-follow-glob-'));
  for (const name of [
    'app.log',
    'app.log.1',
    'app.log.2.gz',
    'app-log',
    'appXlog',
    '.app.log.swp',
    'other.log',
  ])
    await writeFile(join(dir, name), '');
  await mkdir(join(dir, 'app.log.dd'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = async (pattern: string) =>
  (await expandPattern(join(dir, pattern))).map((p) => p.slice(dir.length + 1));

describe('expandPattern', () => {
  it('* matches any run of characters, dot files only when the pattern starts with a dot', async () => {
    expect(await names('app.log*')).toEqual(['app.log', 'app.log.1', 'app.log.2.gz', 'app.log.dd']);
    expect(await names('*.log')).toEqual(['app.log', 'other.log']);
    expect(await names('.app*')).toEqual(['.app.log.swp']);
  });

  it('? matches one character; other characters, dots and dashes included, are literal', async () => {
    expect(await names('app.log.?')).toEqual(['app.log.1']);
    expect(await names('app?log')).toEqual(['app-log', 'app.log', 'appXlog']);
    expect(await names('app.log')).toEqual(['app.log']);
  });

  it('a path without wildcards is itself, present or not; a folder that does not exist holds nothing', async () => {
    expect(await names('not-yet.log')).toEqual(['not-yet.log']);
    expect(await expandPattern(join(dir, 'nowhere', '*.log'))).toEqual([]);
  });
});
