import type { MarkSettled } from '@clogs/client';
import type { Session } from '../session.js';
import type { CheckpointFile } from './checkpoint-file.js';
import type { FileSet } from './file-set.js';
import type { FileTail } from './file-tail.js';
import type { LineCounts, WindowCounts } from './window-counts.js';

/**
 * When a save follows the settling marks: once this many lines are settled since the
 * last, at most every {@link SAVE_MS} (a busy follower), else {@link SAVE_IDLE_MS} after
 * the last (a quiet one). A save is a write and a rename, 0.1–0.4 ms of CPU here: this
 * bounds it to about 0.4 µs a line, or a few saves a second, and what a kill repeats to
 * about this many lines past the window in flight.
 */
const SAVE_LINES = 1024;
const SAVE_MS = 2;
const SAVE_IDLE_MS = 100;
/** A save at least this often is durable (fsynced); an idle follower's last save is made so. */
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
 * checkpoint moves to that offset and a save of the state file follows (see
 * {@link SAVE_LINES}; durable at least every {@link SYNC_MS}). A drop holds every checkpoint
 * until {@link readAgain}.
 */
export class CheckpointKeeper {
  private epoch = 0;
  /** Saves, one after another: the temporary file is written by one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  /** A save is waiting for its turn or its timer; checkpoints moving meanwhile ride on it. */
  private queued = false;
  private saveTimer: NodeJS.Timeout | undefined;
  /** The checkpoints moved since the last save began. */
  private dirty = false;
  /** Lines read up to the last settled mark, and up to the one the last save holds. */
  private settledLines = 0;
  private savedLines = 0;
  /** The save timer waits {@link SAVE_MS} (lines enough settled), not {@link SAVE_IDLE_MS}. */
  private busyTimer = false;
  private lastSaveAt = Number.NEGATIVE_INFINITY;
  private lastDurableAt = performance.now();
  /** The last save was not fsynced. */
  private durableDue = false;
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
    this.syncTimer = setInterval(() => {
      if (this.durableDue && !this.queued) void this.save(true);
    }, SYNC_MS);
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

  /**
   * Saves the checkpoints as they are once the saves before it are done; `durable`
   * (the first and the last save) fsyncs it. False when the state file cannot be saved.
   */
  save(durable = true): Promise<boolean> {
    const run = this.chain.then(() => this.saveOnce(durable));
    this.chain = run;
    return run;
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

  /** No more saves: the timers stop, and a save under way ends first. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.syncTimer);
    clearTimeout(this.saveTimer);
    await this.chain;
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
    this.counts.committed(p.lines, m.accepted, m.dropped, m.refused);
    this.settledLines = p.lines.read;
    this.queueSave();
  }

  /** The checkpoints moved: a save follows (see {@link SAVE_LINES}). */
  private queueSave(): void {
    this.dirty = true;
    const busy = Math.abs(this.settledLines - this.savedLines) >= SAVE_LINES;
    if (this.closed || this.failed) return;
    if (this.queued) {
      // Waiting out a quiet spell: enough lines settled meanwhile to save sooner.
      if (busy && this.saveTimer !== undefined && !this.busyTimer) this.armSave(SAVE_MS, true);
      return;
    }
    this.queued = true;
    this.armSave(busy ? SAVE_MS : SAVE_IDLE_MS, busy);
  }

  private armSave(after: number, busy: boolean): void {
    clearTimeout(this.saveTimer);
    this.busyTimer = busy;
    const run = () => {
      this.saveTimer = undefined;
      void this.save(false).then(() => {
        this.queued = false;
        if (this.dirty) this.queueSave();
      });
    };
    const wait = this.lastSaveAt + after - performance.now();
    if (wait > 0) this.saveTimer = setTimeout(run, wait);
    else run();
  }

  private async saveOnce(durable: boolean): Promise<boolean> {
    if (this.failed) return false;
    this.dirty = false;
    this.savedLines = this.settledLines;
    const now = performance.now();
    const sync = durable || now - this.lastDurableAt >= SYNC_MS;
    this.lastSaveAt = now;
    try {
      await this.state.save(this.files.checkpoints(), sync);
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
    if (sync) this.lastDurableAt = performance.now();
    this.durableDue = !sync;
    return true;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    void this.state.discardTemp();
    this.events.failed(err);
  }
}
