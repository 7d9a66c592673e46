import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The paths a `--follow` argument names now. `*` and `?` are wildcards in the last path
 * segment only (`logs/app.log*`), as a shell would expand them but re-read on every scan:
 * files that appear later are found. Without wildcards the path itself (it may not exist
 * yet). Dot files match only a pattern that starts with a dot.
 */
export async function expandPattern(pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  const re = wildcardRegExp(name);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    // A folder that does not exist (yet) holds no files; the next scan looks again.
    return [];
  }
  return names
    .filter((n) => re.test(n) && (n[0] !== '.' || name[0] === '.'))
    .sort()
    .map((n) => join(dir, n));
}

/** `*` any run of characters, `?` one; everything else literal. */
export function wildcardRegExp(name: string): RegExp {
  let source = '';
  for (const ch of name) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
