import { defineConfig } from 'tsup';
import { library } from '../../tsup.base.js';

/**
 * ESM from src/index.ts; CJS from src/index-cjs.ts, which loads the ESM build (see
 * there). Both write to dist/ side by side, so neither cleans it.
 */
export default defineConfig([
  { ...library, format: ['esm'], clean: false },
  { ...library, entry: { index: 'src/index-cjs.ts' }, format: ['cjs'], clean: false },
]);
