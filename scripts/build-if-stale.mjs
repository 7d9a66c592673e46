#!/usr/bin/env node
// Builds the packages whose build is out of date, quietly; `pnpm start` runs it before
// the shell opens. A package is up to date when its dist/.build-stamp is newer than
// every file its build reads: src/**, package.json, tsup.config.ts, tsconfig*.json, and
// the root's tsup.base.ts and tsconfig*.json. The stamp's time is when its last build
// started, so a file saved during a build counts as newer. Without a stamp (a build run
// by hand), the oldest file under dist/ stands for it. The builds' own output is
// kept and shown only if one fails (exit 1 then).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const STAMP = join('dist', '.build-stamp');
const ROOT_INPUTS = ['tsup.base.ts', 'tsconfig.json', 'tsconfig.base.json', 'package.json', 'pnpm-lock.yaml'];

/** The newest modification time (ms) of the files under `path` (a file or a folder), 0 for none. */
async function newest(path) {
  let s;
  try {
    s = await stat(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = s.mtimeMs;
  for (const entry of await readdir(path)) latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

/** The packages with a build script: their folders, relative to the root. */
async function buildable() {
  const dirs = [];
  for (const name of await readdir(join(ROOT, 'packages'))) {
    const dir = join(ROOT, 'packages', name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { scripts } = JSON.parse(await readFile(manifest, 'utf8'));
    if (scripts?.build !== undefined) dirs.push(dir);
  }
  return dirs;
}

/** The oldest modification time (ms) of the files under folder `path`, 0 for none. */
async function oldestFile(path) {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  let oldest = 0;
  for (const e of entries) {
    const at = e.isDirectory()
      ? await oldestFile(join(path, e.name))
      : (await stat(join(path, e.name))).mtimeMs;
    if (at !== 0 && (oldest === 0 || at < oldest)) oldest = at;
  }
  return oldest;
}

async function isStale(dir, rootInputs) {
  // A build run by hand (`pnpm build`) writes no stamp: its output then stands for one,
  // each file written after the build read its sources.
  const stamp = (await newest(join(dir, STAMP))) || (await oldestFile(join(dir, 'dist')));
  if (stamp === 0) return true;
  const names = (await readdir(dir)).filter(
    (n) => n === 'src' || n === 'package.json' || n === 'tsup.config.ts' || /^tsconfig.*\.json$/.test(n),
  );
  let inputs = rootInputs;
  for (const n of names) inputs = Math.max(inputs, await newest(join(dir, n)));
  return inputs > stamp;
}

/** Runs a command with its output kept; resolves with its exit code and output. */
function quietly(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.on('data', (b) => {
      out += b;
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const started = Date.now();
let rootInputs = 0;
for (const f of ROOT_INPUTS) rootInputs = Math.max(rootInputs, await newest(join(ROOT, f)));
const dirs = await buildable();
const stale = [];
for (const dir of dirs) if (await isStale(dir, rootInputs)) stale.push(dir);
if (stale.length === 0) {
  process.stderr.write(`build: ${dirs.length} packages up to date\n`);
  process.exit(0);
}
const names = stale.map((d) => relative(ROOT, d));
process.stderr.write(`build: ${names.join(', ')} ...`);
// One pnpm run for them all: it builds them in dependency order, in parallel where it can.
const filters = names.flatMap((n) => ['--filter', `./${n}`]);
const { code, out } = await quietly('pnpm', [...filters, 'run', 'build']);
if (code !== 0) {
  process.stderr.write(` failed (exit ${code}):\n${out}`);
  process.exit(1);
}
const at = new Date(started);
for (const dir of stale) {
  await writeFile(join(dir, STAMP), `built from the sources as they were at ${at.toISOString()}\n`);
  await utimes(join(dir, STAMP), at, at);
}
process.stderr.write(` built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
