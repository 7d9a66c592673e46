import { defineConfig } from 'tsup';
import { library } from '../../tsup.base.js';

/**
 * The library, and beside it the discovery worker (`dist/fleet-worker.js`, ESM, loaded
 * by `new Worker()` from either build). The two builds run side by side, so neither
 * cleans dist/.
 */
export default defineConfig([
  // Two entries share one copy of the code (splitting, in CJS too): a ClientError thrown
  // by the test double is the same class as the main entry's. shims: import.meta.url in
  // the CJS build too (it finds the worker beside the bundle).
  {
    ...library,
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    splitting: true,
    clean: false,
    shims: true,
  },
  {
    entry: { 'fleet-worker': 'src/discovery/fleet-worker.ts' },
    format: ['esm'],
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);
