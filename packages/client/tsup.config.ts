import { defineConfig } from 'tsup';
import { library } from '../../tsup.base.js';

// Two entries share one copy of the code (splitting, in CJS too): a ClientError thrown by
// the test double is the same class as the main entry's.
export default defineConfig({
  ...library,
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  splitting: true,
});
