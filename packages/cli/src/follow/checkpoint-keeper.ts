import type { MarkSettled } from '@clogs/client';
import type { Session } from '../session.js';
import type { CheckpointFile } from './checkpoint-file.js';
import type { FileSet } from './file-set.js';
import type { FileTail } from './file-tail.js';
import type { LineCounts, WindowCounts } from './window-counts.js';

/** How often the state file's in-place saves are put on the disk. */
const SYNC_MS = 1000;

/** A mark made for one file: when it settles, the file's checkpoint moves to `offset`. */
interface Pending {
  tail: FileTail;
  generation: number;
  offset: number;
  /** Marks made before the files were last read again are not followed. */
  epoch: number;
  lines: LineCounts;
  /** The files' orphaned count when the mark was made. */
  orphaned: number;
}

/** What the keeper tells follow mode. */
export interface KeeperEvents {
  /** Records were dropped past the checkpoints: the files must be read again from them. */
  dropped(): void;
  /** The state file cannot be saved: follow mode stops (the checkpoints stay where they were). */
  failed(err: Error): void;
}

/**
 * The checkpoints of `--follow` as they follow the client's marks: a mark is made at a
 * file's offset ({@link markAt}); when it settles with nothing dropped, the file's
 * checkpoint moves to that offset and the state file is saved (once for the marks that
 * settle together). A drop holds every checkpoint until {@link readAgain}. The in-place
 * saves are synced every {@link SYNC_MS}.
 */
export class CheckpointKeeper {
  private epoch = 0;
  private saveQueued = false;
  private syncing = false;
  private failed = false;
  /** Closed: marks that settle later (ACKs coming in as the run ends) save nothing. */
  private closed = false;
  /** The files' orphaned count up to which those lines are known delivered. */
  private orphanedSettled = 0;
  private readonly syncTimer: NodeJS.Timeout;

  constructor(
    private readonly session: Session,
    private readonly state: CheckpointFile,
    private readonly files: FileSet,
    private readonly counts: WindowCounts,
    private readonly events: KeeperEvents,
  ) {
    this.syncTimer = setInterval(() => this.sync(), SYNC_MS);
  }

  /** A mark at `offset` of `tail`: what is before it is logged. */
  readonly markAt = (tail: FileTail, offset: number): void => {
    tail.marked = offset;
    const p: Pending = {
      tail,
      generation: tail.generation,
      offset,
      epoch: this.epoch,
      lines: this.counts.linesNow(),
      orphaned: this.files.orphaned,
    };
    void this.session.mark().then((m) => this.settled(p, m));
  };

  /**
   * A mark at where `tail` is, if it moved since its last one. Not inside a line being
   * skipped (too long): a checkpoint is always at a line's start, so reading again from
   * it (after a drop, or a restart) starts a line and skips nothing.
   */
  markTail(tail: FileTail): void {
    if (tail.offset !== tail.marked && !tail.skipping) this.markAt(tail, tail.offset);
  }

  /** Saves the checkpoints now; false when the state file could not be saved. */
  save(): boolean {
    this.saveQueued = false;
    if (this.failed || this.closed) return false;
    try {
      this.state.save(this.files.checkpoints());
      return true;
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
  }

  /**
   * After a drop, with every record logged settled: marks made so far no longer count,
   * and every file goes back to its checkpoint. Returns how many files moved back.
   */
  readAgain(): number {
    this.epoch++;
    // A cut file's unsettled lines cannot be read again: the drops may have been theirs.
    const unrecoverable = this.files.orphaned !== this.orphanedSettled;
    this.orphanedSettled = this.files.orphaned;
    this.counts.readAgain(unrecoverable);
    let moved = 0;
    for (const t of this.files.ordered()) {
      if (t.offset !== t.committed) moved++;
      t.offset = t.marked = t.committed;
      t.partialSince = undefined;
      // The checkpoint is a line's start: a too-long line being skipped is read again too.
      t.skipping = false;
    }
    return moved;
  }

  /** Stops the syncs; the last save is synced as the state file closes. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.syncTimer);
    if (!this.failed) await this.state.close().catch((err) => this.fail(err as Error));
  }

  private settled(p: Pending, m: MarkSettled): void {
    if (p.epoch !== this.epoch || this.failed || this.closed) return;
    if (this.counts.droppedSince(m.dropped)) {
      // Some record before this mark, or after it, is lost: the checkpoints stay.
      this.events.dropped();
      return;
    }
    if (p.tail.generation === p.generation) p.tail.committed = p.offset;
    // Made after the last cut that orphaned lines, and nothing dropped: those lines are delivered.
    if (p.orphaned === this.files.orphaned) this.orphanedSettled = p.orphaned;
    this.counts.committed(p.lines, m.accepted, m.dropped);
    if (this.saveQueued) return;
    this.saveQueued = true;
    setImmediate(() => this.save());
  }

  private sync(): void {
    if (this.syncing || this.failed) return;
    this.syncing = true;
    this.state
      .sync()
      .catch((err) => this.fail(err as Error))
      .finally(() => {
        this.syncing = false;
      });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    void this.state.discardTemp();
    this.events.failed(err);
  }
}
