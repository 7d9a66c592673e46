import type { LogSink } from './log-sink.js';

/**
 * How a producer that cannot hold its source back for long (a stream's writer, a
 * transport's worker) waits for room: until the sink's `'drain'`, at most `timeoutMs`.
 * Past that the sink is stalled (no server up, a window that never reopens), and waits
 * are skipped until its next `'drain'`: records then queue in the client, bounded by
 * `maxQueueBytes`, where a drop is counted and reported, instead of piling up unseen in
 * the producer's own buffer. The timer is referenced, so a wait holds the process for
 * at most `timeoutMs`.
 */
export class DrainGate {
  private isStalled = false;
  private readonly unstall = () => {
    this.isStalled = false;
  };

  constructor(
    private readonly sink: LogSink,
    private readonly timeoutMs: number,
  ) {}

  /** A wait was given up and no `'drain'` came since: {@link wait} returns at once. */
  get stalled(): boolean {
    return this.isStalled;
  }

  /** Calls `done` (once) when there is room again or the wait is given up; at once while stalled. */
  wait(done: () => void): void {
    if (this.isStalled) {
      done();
      return;
    }
    const onDrain = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      this.sink.off('drain', onDrain);
      this.isStalled = true;
      this.sink.once('drain', this.unstall);
      done();
    }, this.timeoutMs);
    this.sink.once('drain', onDrain);
  }

  /** {@link wait} as a promise. */
  whenRoom(): Promise<void> {
    return new Promise((resolve) => this.wait(resolve));
  }
}
