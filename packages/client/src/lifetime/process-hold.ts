/**
 * The one place that decides whether a client keeps its process alive. Its rule:
 *
 * - idle (nothing queued, in flight or awaiting an ACK): never holds;
 * - holding undelivered records: holds while it is getting somewhere, i.e. a record
 *   was delivered (at-most-once: handed to the network; at-least-once: acknowledged)
 *   less than `stallMs` ago, counting from when the work began; and always while
 *   someone awaits flush() or close() (those carry their own deadlines);
 * - stalled for `stallMs` (every server down, a window that does not reopen): holds no
 *   more. If nothing else holds the process, Node then emits 'beforeExit', and the
 *   owner's `abandon` counts what is left as dropped and lets the process go.
 *
 * It holds through one handle the owner gives it (a timer that runs anyway), ref'd or
 * not: no handle of its own, nothing to leak.
 */
export class ProcessHold {
  /** Undelivered records are held (set by begin/end). */
  working = false;
  holding = false;
  private lastProgress = 0;
  private waiters = 0;
  private released = false;

  constructor(
    private readonly handle: { ref(): unknown; unref(): unknown },
    private readonly stallMs: number,
    /** Called at 'beforeExit' while working and not holding: drop what is left. */
    private readonly abandon: () => void,
  ) {}

  /** The owner went from idle to holding records: the stall clock starts now. */
  begin(now: number): void {
    if (this.working || this.released) return;
    this.working = true;
    this.lastProgress = now;
    exitWatch.add(this);
    this.update(now);
  }

  /** Records were delivered. */
  progress(now: number): void {
    this.lastProgress = now;
    if (!this.holding && this.working) this.update(now);
  }

  /** The owner holds nothing undelivered any more. */
  end(): void {
    if (!this.working) return;
    this.working = false;
    exitWatch.delete(this);
    this.update(0);
  }

  /** Someone awaits flush() or close() (+1), or stopped awaiting (-1). */
  wait(delta: 1 | -1, now: number): void {
    this.waiters += delta;
    this.update(now);
  }

  /** The owner is closed: never hold again. */
  release(): void {
    this.released = true;
    this.working = false;
    exitWatch.delete(this);
    this.update(0);
  }

  /** Re-decides; the owner calls it on its regular tick, so a stall is seen within a tick. */
  update(now: number): void {
    const hold =
      !this.released && this.working && (this.waiters > 0 || now - this.lastProgress < this.stallMs);
    if (hold === this.holding) return;
    this.holding = hold;
    if (hold) this.handle.ref();
    else this.handle.unref();
  }

  /** 'beforeExit': the process is about to end; a stalled owner gives up what it holds. */
  beforeExit(now: number): void {
    this.update(now);
    if (this.working && !this.holding) this.abandon();
  }
}

/**
 * The holds with undelivered records, and one 'beforeExit' listener for all of them:
 * process-wide by nature (one process, one exit), and one listener rather than one per
 * client, which would trip Node's max-listeners warning past ten clients.
 */
const watched = new Set<ProcessHold>();
let listening = false;
const exitWatch = {
  add(hold: ProcessHold): void {
    if (!listening) {
      listening = true;
      process.on('beforeExit', () => {
        const now = performance.now();
        for (const h of [...watched]) h.beforeExit(now);
      });
    }
    watched.add(hold);
  },
  delete(hold: ProcessHold): void {
    watched.delete(hold);
  },
};
