import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { StopSignals } from './stop-signals.js';

// The process entry of `clogs-cli` (bin/clogs-cli.js loads the built copy).
// Loading the program takes a while: SIGINT/SIGTERM are taken from this line
// on, and the program finds any that came meanwhile, so it still ends with its summary.
// SIGUSR1 left to Node would open the inspector. (Before this line runs, Node itself
// is starting, and nothing can take a signal.)
const stop = new StopSignals(process);
process.on('SIGUSR1', () => {});

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
let settled = false;
// The last line of defence: Node is about to end the process (nothing left that holds
// it) while the program has not finished. Records may be undelivered: never exit 0 then.
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write(
    'clogs-cli: internal error: the process was ending before its work was done; records may be undelivered\n',
  );
  process.exit(ExitCode.SOFTWARE);
});
import('./program.js')
  .then(({ run }) =>
    run(
      process.argv.slice(2),
      {
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
        signals: process,
        version,
        historyFile: join(homedir(), '.clogs_history'),
      },
      stop,
    ),
  )
  .then(
    (code) => {
      settled = true;
      // Signals have their default again: one now ends a process that would not go.
      stop.close();
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
