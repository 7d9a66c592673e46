import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
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
  it('is replaced whole at each save: a reader meanwhile always finds a state file, never a torn one', async () => {
    const path = join(dir, 'state.json');
    const file = new CheckpointFile(path);
    await file.save([checkpoint(0, 0), checkpoint(1, 0)], true);
    // Held open, the first file keeps its inode: saves that replace it leave it as it was.
    const first = await open(path, 'r');
    let writing = true;
    let reads = 0;
    let last = 0;
    const bad: string[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        reads++;
        try {
          const offset = JSON.parse(text).files[1].offset as number;
          if (offset < last) bad.push(`offset went back: ${last} → ${offset}`);
          last = offset;
        } catch (err) {
          bad.push(`${(err as Error).message}: ${JSON.stringify(text.slice(0, 80))}`);
        }
      }
    })();
    // Offsets of growing width: the body's length changes as it would.
    for (let i = 1; i <= 1000; i++)
      await file.save([checkpoint(0, i), checkpoint(1, i * 997)], i % 100 === 0);
    writing = false;
    await reader;
    expect(bad, `torn or backward reads of ${reads}`).toEqual([]);
    expect(reads, 'reads made while it was saved').toBeGreaterThan(10);
    expect(JSON.parse(await first.readFile('utf8')).files[1].offset, 'the first file, renamed over').toBe(0);
    await first.close();
    expect(await new CheckpointFile(path).load()).toEqual([checkpoint(0, 1000), checkpoint(1, 997_000)]);
  });

  it('a save into a folder that is gone fails, saying why', async () => {
    const path = join(dir, 'state', 'state.json');
    const file = new CheckpointFile(path);
    await expect(file.save([checkpoint(0, 1)], false)).rejects.toThrow(/ENOENT/);
  });
});
