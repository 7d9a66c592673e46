import { createRequire } from 'node:module';
import { main } from './cli.js';

// The process entry of `clogs-server` (bin/clogs-server.js loads the built copy).
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
  version,
}).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`clogs-server: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(70);
  },
);
