import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

function errCode(err: unknown): unknown {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * `mkdir -p`: makes `dir` and its missing parents with `mode`, and is done when `dir` is
 * a folder. Not Node's `recursive: true`, which retries for ever when a file system
 * answers ENOENT under a parent that exists (/proc, /sys): that would hang a server's or
 * a client's start, deaf to SIGTERM. Here each folder is made once, and the first error
 * is thrown.
 */
export function makeDirsSync(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      statSync(at);
      break;
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
    }
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      // Made meanwhile by another process: fine, if it is a folder.
      if (errCode(err) !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
  if (missing.length === 0) {
    // `dir` was there: mkdir says EEXIST (a folder: fine), or ENOTDIR, as `mkdir -p` would.
    try {
      mkdirSync(dir, { mode });
    } catch (err) {
      if (errCode(err) !== 'EEXIST' || !statSync(dir).isDirectory()) throw err;
    }
  }
}
