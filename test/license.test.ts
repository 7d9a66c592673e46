// The MIT licence every package.json names: one text at the root, the same file in
// each package (a tarball holds only its package's folder), listed in its `files`.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

describe('LICENSE', () => {
  it('is MIT, 2026, clogs contributors, at the root and the same in every package, which ships it', async () => {
    const root = await readFile(join(ROOT, 'LICENSE'), 'utf8');
    expect(root.split('\n').slice(0, 3)).toEqual([
      'MIT License',
      '',
      'Copyright (c) 2026 clogs contributors',
    ]);
    const packages = await readdir(join(ROOT, 'packages'));
    expect(packages.length, 'packages found').toBeGreaterThan(0);
    for (const name of packages) {
      const dir = join(ROOT, 'packages', name);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        license?: string;
        files?: string[];
      };
      expect(pkg.license, `${name}: license`).toBe('MIT');
      expect(pkg.files, `${name}: files`).toContain('LICENSE');
      expect(await readFile(join(dir, 'LICENSE'), 'utf8'), `${name}/LICENSE`).toBe(root);
    }
  });
});
