import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { main } from './program.js';

// The process entry of `clogs-cli` (bin/clogs-cli.js loads the built copy).
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signals: process,
  version,
  historyFile: join(homedir(), '.clogs_history'),
}).then(
  (code) => {
    // Let stdout/stderr drain, then go: an open stdin must not keep the process.
    process.exitCode = code;
    process.stdin.destroy();
  },
  (err) => {
    process.stderr.write(`clogs-cli: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(70);
  },
);
