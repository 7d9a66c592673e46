#!/usr/bin/env node
// A committed wrapper, so the bin exists before the first build; the program is in dist/.
// SIGUSR1 is taken before anything loads: left to Node, it opens the inspector, and
// anyone on the machine could then run code in the server. The program sets the real
// handlers (stats, stop) as it starts.
process.on('SIGUSR1', () => {});
await import('../dist/bin.js');
