import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Checkpoint, CheckpointFile } from '../src/follow/checkpoint-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const checkpoint = (i: number, offset: number): Checkpoint => ({
  path: join(dir, `app-${i}.log`),
  dev: 1,
  ino: 1000 + i,
  fingerprint: { length: 1024, hash: 'ab'.repeat(16) },
  offset,
});

describe('the --follow state file', () => {
  it('saves one page in place: same file, a whole page, the last save read back', async () => {
    const path = join(dir, 'state.json');
    const file = new CheckpointFile(path);
    file.save([checkpoint(0, 0)]);
    const made = await stat(path);
    for (let offset = 1; offset <= 100; offset++) file.save([checkpoint(0, offset * 100)]);
    const now = await stat(path);
    expect(now.ino, 'the inode after in-place saves').toBe(made.ino);
    expect(now.size).toBe(4096);
    expect(await new CheckpointFile(path).load()).toEqual([checkpoint(0, 10_000)]);
    expect(JSON.parse(await readFile(path, 'utf8')).files[0].offset, 'the file is JSON').toBe(10_000);
    await file.close();
  });

  it('a state of several pages is renamed in whole at each save, and still read back', async () => {
    const path = join(dir, 'state.json');
    const file = new CheckpointFile(path);
    const many = (offset: number) => Array.from({ length: 40 }, (_, i) => checkpoint(i, offset));
    file.save(many(0));
    const first = await stat(path);
    expect(first.size, 'pages').toBeGreaterThan(4096);
    expect(first.size % 4096).toBe(0);
    file.save(many(7));
    expect((await stat(path)).ino, 'renamed over, not written in place').not.toBe(first.ino);
    expect(await new CheckpointFile(path).load()).toEqual(many(7));
    await file.close();
  });

  it('a state file removed while running is made again at the next sync; a folder gone is an error', async () => {
    const path = join(dir, 'state.json');
    const file = new CheckpointFile(path);
    file.save([checkpoint(0, 5)]);
    file.save([checkpoint(0, 6)]);
    await unlink(path);
    await file.sync();
    expect(await new CheckpointFile(path).load()).toEqual([checkpoint(0, 6)]);
    await rm(dir, { recursive: true });
    file.save([checkpoint(0, 7)]);
    await expect(file.sync()).rejects.toThrow(/ENOENT/);
  });
});
