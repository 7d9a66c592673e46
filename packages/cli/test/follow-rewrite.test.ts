// A followed file rewritten from its start (copy-truncate) between two scans: the
// follower's reads and the copy must together give every line once. Real files, the
// follower's own FileSet and TailReader, no process: the interleaving is set by the test.
import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../src/follow/checkpoint-file.js';
import { FileSet } from '../src/follow/file-set.js';
import { TailReader } from '../src/follow/tail-reader.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-follow-rewrite-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Numbered lines of one length, so an offset in one incarnation of the file is a line boundary in the next. */
const line = (i: number) => `line ${String(i).padStart(8, '0')} ${'x'.repeat(40)}\n`;
const lines = (from: number, to: number) => {
  let s = '';
  for (let i = from; i < to; i++) s += line(i);
  return s;
};

/** A follower of `app.log*` in `dir` whose lines are collected by number. */
async function follower(checkpoints: Checkpoint[] = []) {
  const got: number[] = [];
  const files = new FileSet([join(dir, 'app.log*')], 'start');
  await files.start(checkpoints);
  const reader = new TailReader(
    (buf, start) => {
      got.push(Number(buf.toString('latin1', start + 5, start + 13)));
      return true;
    },
    () => {
      throw new Error('no line here is too long');
    },
    () => {},
    Number.POSITIVE_INFINITY,
  );
  /** Reads every followed file as far as it goes now, with no scan in between. */
  const readAll = async (budget = Number.POSITIVE_INFINITY) => {
    for (const tail of files.ordered()) {
      let left = budget;
      while (left > 0) {
        const r = await reader.read(tail, performance.now(), left);
        left -= r.lines;
        if (!r.more) break;
      }
    }
  };
  /** What follow mode does after a window is delivered: every checkpoint moves up to what was read. */
  const commit = () => {
    for (const t of files.tails.values()) t.committed = t.offset;
    return files.checkpoints();
  };
  return { got, files, readAll, commit };
}

/** How many of lines `from`..`to`-1 `got` lacks and has more than once, with the first ten of each. */
function tally(got: number[], from: number, to: number) {
  const seen = new Map<number, number>();
  for (const i of got) seen.set(i, (seen.get(i) ?? 0) + 1);
  const missing: number[] = [];
  for (let i = from; i < to; i++) if (!seen.has(i)) missing.push(i);
  const repeated = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  return {
    missing: missing.length,
    firstMissing: missing.slice(0, 10),
    repeated: repeated.length,
    firstRepeated: repeated.slice(0, 10),
  };
}

const exactlyOnce = { missing: 0, firstMissing: [], repeated: 0, firstRepeated: [] };

describe('--follow and a file rewritten from its start between scans', () => {
  it('copy-truncate, then the file grows past the offset read before a scan sees it: no line lost', async () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, lines(0, 200));
    const f = await follower();
    // Part-way into the file when the rotation comes.
    await f.readAll(40);
    copyFileSync(app, `${app}.1`);
    truncateSync(app, 0);
    // The app writes on: more than was read, less than the copy holds.
    appendFileSync(app, lines(200, 300));
    // The follower reads on before its next scan notices anything.
    await f.readAll();
    await f.files.rescan();
    await f.readAll();
    expect(tally(f.got, 0, 300)).toEqual(exactlyOnce);
    await f.files.close();
  });

  it('a checkpoint saved after reads past an unnoticed copy-truncate resumes with no line lost', async () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, lines(0, 200));
    const first = await follower();
    await first.readAll(40);
    first.commit();
    copyFileSync(app, `${app}.1`);
    truncateSync(app, 0);
    appendFileSync(app, lines(200, 300));
    await first.readAll();
    // Delivered and saved, then killed before a scan.
    const saved = first.commit();
    await first.files.close();
    const again = await follower(saved);
    await again.readAll();
    // Lines of the first run before its checkpoints, and all of the second's.
    const got = [...first.got, ...again.got];
    expect(tally(got, 0, 300)).toMatchObject({ missing: 0, firstMissing: [] });
    await again.files.close();
  });

  it('a new file starting with the bytes of a short one moved away while stopped is read from its start', async () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, lines(0, 1));
    const first = await follower();
    await first.readAll();
    const saved = first.commit();
    await first.files.close();
    // Stopped: the short file leaves every followed name; a new one begins with its bytes.
    renameSync(app, join(dir, 'other.txt'));
    writeFileSync(app, lines(0, 3));
    const again = await follower(saved);
    await again.readAll();
    expect(again.got, 'the new file, every line of it').toEqual([0, 1, 2]);
    await again.files.close();
  });

  it('a file empty when first seen, then rewritten before a scan: no line lost', async () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, '');
    const f = await follower();
    appendFileSync(app, lines(0, 200));
    await f.readAll(40);
    copyFileSync(app, `${app}.1`);
    truncateSync(app, 0);
    appendFileSync(app, lines(200, 300));
    await f.readAll();
    await f.files.rescan();
    await f.readAll();
    expect(tally(f.got, 0, 300)).toMatchObject({ missing: 0, firstMissing: [] });
    await f.files.close();
  });

  it('a copy that comes under the pattern only after the cut was seen goes on from where its original was', async () => {
    const app = join(dir, 'app.log');
    writeFileSync(app, lines(0, 200));
    const f = await follower();
    await f.readAll(40);
    // Copied under another name first (as into an olddir), then cut: a scan sees only the cut.
    copyFileSync(app, join(dir, 'copy.tmp'));
    truncateSync(app, 0);
    appendFileSync(app, lines(200, 300));
    await f.files.rescan();
    renameSync(join(dir, 'copy.tmp'), `${app}.1`);
    await f.files.rescan();
    await f.readAll();
    expect(tally(f.got, 0, 300)).toEqual(exactlyOnce);
    await f.files.close();
  });
});
