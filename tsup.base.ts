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
