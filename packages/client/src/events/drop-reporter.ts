import type { DropEvent, DropReason } from '../client-types.js';
import type { Scheduler, TimerSlot } from '../lifetime/scheduler.js';

/** At most one `drop` event per reason within this long. */
export const DROP_EVENT_MS = 1000;

const REASONS: readonly DropReason[] = [
  'queue_full',
  'oldest_dropped',
  'send_failed',
  'closed',
  'exit_timeout',
  'spool_full',
  'spool_corrupt',
  'spool_failed',
];

const byReason = (value: number): Record<DropReason, number> => ({
  queue_full: value,
  oldest_dropped: value,
  send_failed: value,
  closed: value,
  exit_timeout: value,
  spool_full: value,
  spool_corrupt: value,
  spool_failed: value,
});

/**
 * Counts dropped records by reason and reports them with the `drop` event, at most once
 * a second per reason. The first drop of a reason after a quiet second is reported at
 * once; the drops of that reason in the second after a report are summed and reported
 * when that second ends (one event), and so on while they go on. Giving up at close()
 * or at exit reports at once ({@link reportNow}): the process may be about to end.
 */
export class DropReporter {
  /** Records dropped over the client's life, by reason. */
  readonly dropped = byReason(0);
  /** Records dropped over the client's life, every reason. */
  total = 0;
  /** Dropped, not yet reported. */
  private readonly pending = byReason(0);
  /** When each reason was last reported. */
  private readonly reportedAt = byReason(Number.NEGATIVE_INFINITY);
  private readonly timer: TimerSlot;
  /** When the timer is due (meaningful while it is armed). */
  private dueAt = 0;

  constructor(
    private readonly emit: (event: DropEvent) => void,
    scheduler: Scheduler,
  ) {
    this.timer = scheduler.slot(() => this.reportDue());
  }

  drop(reason: DropReason, records: number): void {
    this.dropped[reason] += records;
    this.total += records;
    const now = performance.now();
    const dueAt = this.reportedAt[reason] + DROP_EVENT_MS;
    if (this.pending[reason] === 0 && now >= dueAt) {
      this.report(reason, records, now);
      return;
    }
    this.pending[reason] += records;
    if (!this.timer.armed || dueAt < this.dueAt) {
      this.dueAt = dueAt;
      this.timer.rearm(Math.ceil(dueAt - now));
    }
  }

  /** Reports every pending drop now, whenever the last report was. */
  reportNow(): void {
    this.timer.cancel();
    const now = performance.now();
    for (const reason of REASONS) {
      if (this.pending[reason] > 0) this.report(reason, this.pending[reason], now);
    }
  }

  /** The timer: reports the reasons whose second is over, and waits for the next one due. */
  private reportDue(): void {
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const reason of REASONS) {
      if (this.pending[reason] === 0) continue;
      const dueAt = this.reportedAt[reason] + DROP_EVENT_MS;
      // A timer can fire a little early: what is not due yet waits for its own time.
      if (now < dueAt) next = Math.min(next, dueAt);
      else this.report(reason, this.pending[reason], now);
    }
    if (next !== Number.POSITIVE_INFINITY) {
      this.dueAt = next;
      this.timer.arm(Math.ceil(next - now));
    }
  }

  private report(reason: DropReason, records: number, now: number): void {
    this.pending[reason] = 0;
    this.reportedAt[reason] = now;
    this.emit({ reason, records });
  }
}
