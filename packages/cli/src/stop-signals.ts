import { EventEmitter } from 'node:events';

export type StopListener = (signal: NodeJS.Signals, count: number) => void;

/**
 * SIGINT and SIGTERM, taken from the moment clogs-cli starts (bin.ts makes this before
 * it loads the program: a signal that comes while it is starting is remembered, not
 * lost to Node's default, which would end the process with no summary). The first asks
 * to stop reading and flush within `--timeout`; a second gives up that flush. Emits
 * `stop` (signal, how many so far).
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

  /** Listens for stops, told at once of those that came before (the first, and a second). */
  listen(listener: StopListener): void {
    this.on('stop', listener);
    for (let n = 1; n <= Math.min(this.count, 2); n++) listener(this.first!, n);
  }

  unlisten(listener: StopListener): void {
    this.off('stop', listener);
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
