import { defineConfig } from 'tsup';
import { library } from '../../tsup.base.js';

/**
 * The library, and beside it the discovery worker (`dist/fleet-worker.js`, ESM, loaded
 * by `new Worker()` from either build). The two builds run side by side, so neither
 * cleans dist/.
 */
export default defineConfig([
  // shims: import.meta.url in the CJS build too (it finds the worker beside the bundle).
  { ...library, clean: false, shims: true },
  {
    entry: { 'fleet-worker': 'src/discovery/fleet-worker.ts' },
    format: ['esm'],
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);
