// scripts/build-if-stale.mjs, run as `pnpm start` runs it, on a workspace of its own:
// two packages whose build counts its runs, so what was built and what was skipped shows.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../scripts/build-if-stale.mjs', import.meta.url));
/** The pnpm this repository pins: the temporary workspace uses the same (corepack reads it). */
const PACKAGE_MANAGER = (
  JSON.parse(await readFile(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as {
    packageManager: string;
  }
).packageManager;
let root: string;

/** A package whose build appends a line to ../../builds.txt and writes dist/index.js; `fail` makes it exit 3. */
async function pkg(name: string, o: { fail?: boolean } = {}) {
  const dir = join(root, 'packages', name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'src', 'index.ts'), 'export const x = 1;\n');
  const build = o.fail
    ? "console.log('error TS2322: not a build'); process.exit(3)"
    : `const fs = require('node:fs'); fs.appendFileSync('../../builds.txt', '${name}\\n'); fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/index.js', ''); for (let i = 0; i < 50; i++) console.log('build output line', i);`;
  await writeFile(join(dir, 'build.cjs'), `${build}\n`);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '0.0.0', scripts: { build: 'node build.cjs' } }),
  );
}

function run(): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'scripts', 'build-if-stale.mjs')],
      { cwd: root },
      (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code), out, err }),
    );
  });
}

const builds = async () =>
  (await readFile(join(root, 'builds.txt'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'clogs-build-if-stale-'));
  await mkdir(join(root, 'scripts'));
  await copyFile(SCRIPT, join(root, 'scripts', 'build-if-stale.mjs'));
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({ name: 'ws', private: true, packageManager: PACKAGE_MANAGER }),
  );
  await writeFile(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('build-if-stale', () => {
  it('builds what has no build, then skips what is current, then rebuilds only a package whose source changed; quietly', async () => {
    await pkg('a');
    await pkg('b');
    const first = await run();
    expect(first.code, first.err).toBe(0);
    expect((await builds()).sort()).toEqual(['a', 'b']);
    // One line, not the builds' 100.
    expect(first.err).toMatch(/^build: packages\/a, packages\/b \.\.\. built in \d+\.\d s\n$/);
    expect(first.out).toBe('');

    const second = await run();
    expect(second).toEqual({ code: 0, out: '', err: 'build: 2 packages up to date\n' });
    expect((await builds()).length, 'nothing built again').toBe(2);

    // b's source saved after its build: b alone is stale.
    const later = new Date(Date.now() + 60_000);
    await utimes(join(root, 'packages', 'b', 'src', 'index.ts'), later, later);
    const third = await run();
    expect(third.err).toMatch(/^build: packages\/b \.\.\. built in/);
    expect((await builds()).filter((n) => n === 'b')).toHaveLength(2);
    expect((await builds()).filter((n) => n === 'a')).toHaveLength(1);
  }, 60_000);

  it('a package built by hand (dist/ written, no stamp) is up to date until a source is newer than its output', async () => {
    await pkg('a');
    await mkdir(join(root, 'packages', 'a', 'dist'), { recursive: true });
    await writeFile(join(root, 'packages', 'a', 'dist', 'index.js'), '');
    const earlier = new Date(Date.now() - 60_000);
    for (const f of ['src/index.ts', 'package.json', 'build.cjs']) {
      await utimes(join(root, 'packages', 'a', f), earlier, earlier);
    }
    for (const f of ['package.json', 'pnpm-workspace.yaml']) await utimes(join(root, f), earlier, earlier);
    const first = await run();
    expect(first, 'nothing to build').toEqual({ code: 0, out: '', err: 'build: 1 packages up to date\n' });
    expect(await builds(), 'no build ran').toEqual([]);

    const later = new Date(Date.now() + 60_000);
    await utimes(join(root, 'packages', 'a', 'src', 'index.ts'), later, later);
    const second = await run();
    expect(second.err).toMatch(/^build: packages\/a \.\.\. built in/);
    expect(await builds(), 'the stale package built').toEqual(['a']);
  }, 60_000);

  it('a failing build: its output shown, exit 1', async () => {
    await pkg('bad', { fail: true });
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.err).toContain('build: packages/bad ... failed (exit');
    expect(r.err).toContain('error TS2322: not a build');
  }, 60_000);
});
