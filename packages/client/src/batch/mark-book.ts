import type { RecordTracker } from './ledger-types.js';

/** What a settled mark says: the records logged before it, and those dropped so far. */
export interface MarkSettled {
  /** Records accepted by `log()` before the mark (over the client's life). */
  accepted: number;
  /** Records dropped over the client's life when the mark settled (every reason). */
  dropped: number;
  /**
   * Of those, the records `log()` itself refused (a full queue or spool, `queue_full`
   * and `spool_full`): never accepted, so never among `accepted`.
   */
  refused: number;
}

/** The drop counts a mark reads as it settles (the client's DropReporter). */
export interface DropTotals {
  readonly total: number;
  readonly dropped: { readonly queue_full: number; readonly spool_full: number };
}

/** Settled groups kept before the arrays are compacted: compaction is rare and short. */
const COMPACT_AT = 1024;

/**
 * Marks in the stream of records (`ClogsClient.mark()`): a mark settles once every record
 * logged before it is done with: acknowledged (at-least-once), sent (at-most-once), or
 * dropped (counted by the client's drop counts). The records between two marks are a
 * group; a frame carries `[group, records, ...]` spans and freeing it releases them, as
 * the spool's segments are released.
 *
 * Invariant: `left[g - base]` = records of group `g` logged and not yet released; a mark
 * settles when every group up to it has none left, so marks settle in the order made.
 */
export class MarkBook implements RecordTracker {
  /** The group records logged now join. */
  private open = 0;
  /** The oldest group with records left, or `open`. */
  private first = 0;
  /** The group `left[0]` counts. */
  private base = 0;
  private left: number[] = [0];
  /** Marks not settled, oldest first; `pending[i]` closes group `closes[i]`. */
  private pending: ((settled: MarkSettled) => void)[] = [];
  private closes: number[] = [];
  private accepted: number[] = [];
  private head = 0;

  constructor(
    /** The client's drops so far: read as a mark settles. */
    private readonly drops: DropTotals,
  ) {}

  /** A record is logged: counted in the open group, whose number is its tag. */
  tag(): number {
    this.left[this.open - this.base]!++;
    return this.open;
  }

  /** The record just tagged was refused after all (a bad field): it is not held. */
  untag(): void {
    this.left[this.open - this.base]!--;
  }

  /**
   * Closes the open group; resolves once it and every group before it are done with.
   * `accepted`: the records accepted so far, given back when it settles.
   */
  mark(accepted: number): Promise<MarkSettled> {
    const group = this.open++;
    this.left.push(0);
    const settled = new Promise<MarkSettled>((resolve) => {
      this.pending.push(resolve);
      this.closes.push(group);
      this.accepted.push(accepted);
    });
    this.settled();
    return settled;
  }

  release(spans: readonly number[] | undefined): void {
    if (spans === undefined) return;
    for (let i = 0; i < spans.length; i += 2) this.left[spans[i]! - this.base]! -= spans[i + 1]!;
  }

  /** Frames were freed: marks whose groups are all done with settle. */
  settled(): void {
    while (this.first < this.open && this.left[this.first - this.base] === 0) this.first++;
    if (this.head < this.pending.length && this.closes[this.head]! < this.first) {
      const dropped = this.drops.total;
      const refused = this.drops.dropped.queue_full + this.drops.dropped.spool_full;
      do {
        this.pending[this.head]!({ accepted: this.accepted[this.head]!, dropped, refused });
        this.head++;
      } while (this.head < this.pending.length && this.closes[this.head]! < this.first);
    }
    if (this.head >= COMPACT_AT) {
      this.pending = this.pending.slice(this.head);
      this.closes = this.closes.slice(this.head);
      this.accepted = this.accepted.slice(this.head);
      this.head = 0;
    }
    if (this.first - this.base >= COMPACT_AT) {
      this.left = this.left.slice(this.first - this.base);
      this.base = this.first;
    }
  }

  /**
   * The client gave up what it held (closed, or an exit timeout): those records are
   * dropped and counted, so every mark settles.
   */
  abandon(): void {
    this.left.fill(0);
    this.settled();
  }
}
