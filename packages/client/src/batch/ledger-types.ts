// What the frame ledger is given and whom it tells: its bounds, its trackers, its listener.

export type OnFull = 'drop-newest' | 'drop-oldest';

export interface QueueLimits {
  readonly maxDatagramBytes: number;
  readonly maxQueueBytes: number;
  readonly highWaterBytes: number;
  readonly onFull: OnFull;
}

/**
 * What follows records by the tag each frame carries in its spans: the disk spool
 * (tags are segments, spool/spool.ts) or the marks (tags are groups, mark-book.ts).
 */
export interface RecordTracker {
  /** A frame is done with (acknowledged, sent at-most-once, dropped): its records are released. */
  release(spans: readonly number[] | undefined): void;
  /** Frames were sent or freed (the spool loads records waiting on disk, marks settle). */
  settled(): void;
}

export interface LedgerListener {
  /** Records are held again after an idle spell. */
  busy(): void;
  /** log() returned false, and what is not yet sent is below half the high-water mark again. */
  drain(): void;
  /** Nothing queued, being sent, or awaiting an ACK. */
  idle(): void;
}
