import { defineConfig } from 'tsup';
import { library } from '../../tsup.base.js';

// The two builds run side by side: neither cleans dist/, or one could delete the other's output.
export default defineConfig([
  { ...library, clean: false },
  {
    // The process entry: ESM only (it reads its package.json through import.meta.url).
    entry: ['src/bin.ts'],
    format: ['esm'],
    clean: false,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
]);
