#!/usr/bin/env node
// A committed wrapper, so the bin exists before the first build; the program is in dist/.
import { main } from '../dist/index.js';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`clogs-cli: ${err?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
