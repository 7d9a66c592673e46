import { EventEmitter } from 'node:events';

/**
 * SIGINT and SIGTERM, taken from the moment clogs-cli starts (a signal that came while
 * it was starting is remembered, not lost to Node's default, which would end the
 * process with no summary). The first asks to stop reading and flush within
 * `--timeout`; a second gives up that flush. Emits `stop` (signal, how many so far).
 */
export class StopSignals extends EventEmitter {
  /** The first stop signal, once one came. */
  first: NodeJS.Signals | undefined;
  count = 0;
  private readonly onInt = () => this.take('SIGINT');
  private readonly onTerm = () => this.take('SIGTERM');

  constructor(private readonly source: NodeJS.EventEmitter) {
    super();
    source.on('SIGINT', this.onInt);
    source.on('SIGTERM', this.onTerm);
  }

  close(): void {
    this.source.off('SIGINT', this.onInt);
    this.source.off('SIGTERM', this.onTerm);
  }

  private take(signal: NodeJS.Signals): void {
    this.count++;
    this.first ??= signal;
    this.emit('stop', signal, this.count);
  }
}

/** The exit status a shell reports for a process a signal stopped: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (signal === 'SIGINT' ? 2 : 15);
}
