import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

const manifest = (pkg: string) =>
  JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
/**
 * What a package's source may import: its dependencies, its peers (optional ones are
 * loaded lazily, where used), and the workspace packages its build bundles (a
 * `workspace:` devDependency, such as @clogs/etcd inside @clogs/client).
 */
const importable = (pkg: string) => {
  const m = manifest(pkg);
  const bundled = Object.entries(m.devDependencies ?? {}).filter(
    ([name, range]) => range.startsWith('workspace:') && NAMES.has(name),
  );
  return [
    ...Object.keys(m.dependencies ?? {}),
    ...Object.keys(m.peerDependencies ?? {}),
    ...bundled.map(([n]) => n),
  ];
};
const NAMES = new Map(PACKAGES.map((p) => [manifest(p).name, p]));
const isBuiltin = (spec: string) => spec.startsWith('node:') && builtinModules.includes(spec.slice(5));

describe('package layering', () => {
  it.each(PACKAGES)(
    '%s: imports only Node built-ins, its own files, and public entries it declares',
    (pkg) => {
      const src = join(ROOT, 'packages', pkg, 'src');
      const deps = importable(pkg);
      const bad: string[] = [];
      for (const file of sourceFiles(src)) {
        for (const spec of importsOf(file)) {
          const where = `${relative(ROOT, file)} imports ${spec}`;
          if (spec.startsWith('.')) {
            if (relative(src, resolve(dirname(file), spec)).startsWith('..'))
              bad.push(`${where} (leaves src/)`);
          } else if (pkg === 'protocol') {
            if (!isBuiltin(spec)) bad.push(`${where} (protocol may import only node: built-ins)`);
          } else if (!isBuiltin(spec)) {
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
            if (name !== spec && NAMES.has(name)) bad.push(`${where} (deep import: use the public entry)`);
            else if (!deps.includes(name)) bad.push(`${where} (not a declared dependency)`);
          }
        }
      }
      expect(bad).toEqual([]);
    },
  );

  it('has no cycles between packages', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (done.has(name)) return;
      if (visiting.has(name)) {
        cycles.push([...path, name].join(' -> '));
        return;
      }
      visiting.add(name);
      for (const dep of importable(NAMES.get(name)!)) {
        if (NAMES.has(dep)) visit(dep, [...path, name]);
      }
      visiting.delete(name);
      done.add(name);
    };
    for (const name of NAMES.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it.each(PACKAGES)('%s: no import cycles between its source files', (pkg) => {
    const files = sourceFiles(join(ROOT, 'packages', pkg, 'src'));
    const edges = new Map(
      files.map((f) => [
        f,
        importsOf(f)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts')),
      ]),
    );
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path, f].map((p) => basename(p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const next of edges.get(f) ?? []) visit(next, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('names every source and test file in kebab-case', () => {
    const dirs = [...PACKAGES.flatMap((p) => [`packages/${p}/src`, `packages/${p}/test`]), 'test'];
    const files = dirs.flatMap((d) => {
      try {
        return sourceFiles(join(ROOT, d));
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(10);
    const bad = files
      .map((f) => basename(f))
      .filter((n) => !/^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+)*\.ts$/.test(n));
    expect(bad).toEqual([]);
  });
});
