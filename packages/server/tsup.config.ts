import { defineConfig } from 'tsup';
import { withBin } from '../../tsup.base.js';

// shims: import.meta.url in the CJS build too (etcd3, an optional peer, is resolved from it).
const [lib, bin] = withBin;
export default defineConfig([{ ...lib, shims: true }, bin!]);
