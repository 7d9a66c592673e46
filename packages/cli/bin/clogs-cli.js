#!/usr/bin/env node
// A committed wrapper, so the bin exists before the first build; the program is in dist/.
// SIGUSR1 is taken before anything loads: left to Node, it opens the inspector.
process.on('SIGUSR1', () => {});
await import('../dist/bin.js');
