import type { Options } from 'tsup';

/** What every package builds: ESM + CJS + .d.ts for Node 20, from its public entry. */
export const library: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
};

/**
 * A package with a process entry (`src/bin.ts`) builds it beside its library: ESM
 * only (it reads its package.json through import.meta.url). The two builds run side
 * by side, so neither cleans dist/, or one could delete the other's output.
 */
export const withBin: Options[] = [
  { ...library, clean: false },
  {
    entry: ['src/bin.ts'],
    format: ['esm'],
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
];
