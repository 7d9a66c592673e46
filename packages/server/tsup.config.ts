import { defineConfig } from 'tsup';
import { withBin } from '../../tsup.base.js';

export default defineConfig(withBin);
