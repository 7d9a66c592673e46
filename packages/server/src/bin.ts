import { createRequire } from 'node:module';

// The process entry of `clogs-server` (bin/clogs-server.js loads the built copy).
// While the program loads, a SIGINT/SIGTERM is recorded and handed to it once it
// listens (it then stops cleanly, exit 0), SIGUSR1 never reaches Node's inspector, and
// SIGHUP never kills it.
// (Before this line runs, Node itself is starting, and nothing can take a signal.)
const early: NodeJS.Signals[] = [];
const record = (signal: NodeJS.Signals) => early.push(signal);
process.on('SIGINT', record);
process.on('SIGTERM', record);
process.on('SIGUSR1', () => {});
// SIGHUP (logrotate's postrotate) would end the process by Node's default: while it
// loads there is no file to reopen, so it is ignored.
process.on('SIGHUP', () => {});

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
import('./cli.js')
  .then(({ main }) => {
    // main() takes its signals before its first await: the early ones go to it now.
    const running = main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      signals: process,
      version,
    });
    process.off('SIGINT', record);
    process.off('SIGTERM', record);
    for (const signal of early) process.emit(signal, signal);
    return running;
  })
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`clogs-server: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(70);
    },
  );
