import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { main } from './program.js';

// The process entry of `clogs-cli` (bin/clogs-cli.js loads the built copy).
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
let settled = false;
// The last line of defence: Node is about to end the process (nothing left that holds
// it) while main() has not finished. Records may be undelivered: never exit 0 then.
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write(
    'clogs-cli: internal error: the process was ending before its work was done; records may be undelivered\n',
  );
  process.exit(ExitCode.SOFTWARE);
});
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
    settled = true;
    // Let stdout/stderr drain, then go: an open stdin must not keep the process.
    process.exitCode = code;
    process.stdin.destroy();
  },
  (err) => {
    settled = true;
    process.stderr.write(`clogs-cli: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(ExitCode.SOFTWARE);
  },
);
