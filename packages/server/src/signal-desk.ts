/**
 * Takes SIGINT/SIGTERM/SIGUSR1/SIGHUP from the start; remembers a stop asked for before
 * anyone can act on it. A SIGHUP before the server runs has no file to reopen.
 */
export class SignalDesk {
  stopAsked = false;
  private onStop: (() => void) | undefined;
  private onStats: (() => void) | undefined;
  private onReopen: (() => void) | undefined;
  private readonly stop = () => {
    this.stopAsked = true;
    this.onStop?.();
  };
  private readonly stats = () => this.onStats?.();
  private readonly reopen = () => this.onReopen?.();

  constructor(private readonly source: NodeJS.EventEmitter) {
    source.on('SIGINT', this.stop);
    source.on('SIGTERM', this.stop);
    source.on('SIGUSR1', this.stats);
    source.on('SIGHUP', this.reopen);
  }

  whenReopen(action: () => void): void {
    this.onReopen = action;
  }

  /** What a stop does once the server runs (called again for a second signal). */
  whenStopped(action: () => void): void {
    this.onStop = action;
  }

  whenStats(action: () => void): void {
    this.onStats = action;
  }

  close(): void {
    this.source.off('SIGINT', this.stop);
    this.source.off('SIGTERM', this.stop);
    this.source.off('SIGUSR1', this.stats);
    this.source.off('SIGHUP', this.reopen);
  }
}
