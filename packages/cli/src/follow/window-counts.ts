import type { ClientStats } from '@clogs/client';
import { droppedOf, type RunSummary, refusedByLog } from '../summary.js';

/** The line counts at a mark: what they go back to when the files are read again from it. */
export type LineCounts = Pick<RunSummary, 'blank' | 'refused' | 'reasons'> & { read: number };

/**
 * The counts of `--follow` across windows read again (a window: the lines read past the
 * checkpoints). When the client drops records, the files are read again from the
 * checkpoints: those lines are counted once (read, blank, refused go back to what they
 * were at the last settled mark), and what the client did with the first reading
 * (accepted, acknowledged, dropped) is set aside, so the summary and the exit code speak
 * of lines, and a drop made good is not undelivered.
 */
export class WindowCounts {
  private lines: LineCounts;
  private client: { accepted: number; acked: number; dropped: number; refused: number };
  /** Drops of windows whose lines could not all be read again (a file cut meanwhile, no copy). */
  private lost = 0;
  private readonly again = { accepted: 0, acked: 0, dropped: 0, refused: 0 };

  constructor(
    private readonly summary: RunSummary & { read: number },
    private readonly stats: () => ClientStats,
  ) {
    this.lines = this.linesNow();
    this.client = this.clientNow();
  }

  /** `dropped`, the client's drops now, says records were dropped since the checkpoints last moved. */
  droppedSince(dropped: number): boolean {
    return dropped !== this.client.dropped;
  }

  /**
   * A mark settled with nothing dropped since the last: the checkpoints moved to it.
   * `lines` and `accepted` are the counts when it was made, `dropped` and `refused` (those
   * of the drops log() refused) when it settled:
   * every record before it is acknowledged (or sent) but those dropped, and every drop so
   * far was of records before it (or of records log() refused, never accepted).
   */
  committed(lines: LineCounts, accepted: number, dropped: number, refused: number): void {
    this.lines = lines;
    // Records refused by log() (queue or spool full) are dropped but were never accepted.
    this.client = { accepted, acked: accepted - (dropped - refused), dropped, refused };
  }

  /** The line counts now, for a mark. */
  linesNow(): LineCounts {
    const s = this.summary;
    return { read: s.read, blank: s.blank, refused: s.refused, reasons: { ...s.reasons } };
  }

  /** This window is read again from the checkpoints: its first reading is not counted. */
  readAgain(unrecoverable = false): void {
    const now = this.clientNow();
    // Some dropped records were of lines nothing can read again: they stay undelivered.
    if (unrecoverable) this.lost += now.dropped - this.client.dropped;
    this.again.accepted += now.accepted - this.client.accepted;
    this.again.acked += now.acked - this.client.acked;
    this.again.dropped += now.dropped - this.client.dropped;
    this.again.refused += now.refused - this.client.refused;
    this.client = now;
    const s = this.summary;
    s.read = this.lines.read;
    s.blank = this.lines.blank;
    s.refused = this.lines.refused;
    s.reasons = { ...this.lines.reasons };
  }

  /** After settle(): what the first readings of windows read again added, taken out. */
  settle(): void {
    const s = this.summary;
    s.undelivered -= this.again.dropped - this.lost;
    // Accepted records the first readings lost were taken off `sent`; log()'s refusals were not.
    s.sent += this.again.dropped - this.lost - this.again.refused - this.again.accepted;
    s.acked -= this.again.acked;
  }

  private clientNow() {
    const s = this.stats();
    return { accepted: s.accepted, acked: s.acked, dropped: droppedOf(s), refused: refusedByLog(s) };
  }
}
