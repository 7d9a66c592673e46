import type { LogRecord } from '@clogs/protocol';
import { SegmentReader } from './segment-reader.js';
import type { Segment } from './segment-set.js';
import type { SpoolStats } from './spool-stats.js';

/** Bytes of entries loaded into memory at once; the rest follows on the next turn. */
const LOAD_BYTES = 512 * 1024;

/** What the loader needs of its spool and client. */
export interface LoaderSource {
  readonly stats: SpoolStats;
  /** A write failed: the spool is given up. */
  failed(): boolean;
  /** Memory has room for records loaded from disk. */
  room(): boolean;
  /** Puts a record read back from disk into memory, for segment `seg`. */
  enqueue(rec: LogRecord, seg: number): void;
  /** Bytes of `seg` in its file so far. */
  writtenBytes(seg: Segment): number;
  /** When `seg` is the open segment with records not yet in its file, writes them; true then. */
  writePending(seg: Segment): boolean;
  /** The segment after `seg`, if any. */
  after(seg: Segment): Segment | undefined;
  /** A corrupt entry at `at` in `seg`: the spool cuts the rest and counts its records dropped. */
  cut(seg: Segment, at: number): void;
  /** The loader has left `seg`: deleted if it is done. */
  left(seg: Segment): void;
}

/**
 * What waits on disk only, loaded back oldest first as memory has room: a cursor at the
 * first such record, moved segment by segment, a turn's worth of bytes at a time.
 */
export class SpoolLoader {
  /** The first record on disk only (undefined: none waits). */
  private cursor: { seg: Segment; reader: SegmentReader } | undefined;
  private readonly loaded: LogRecord[] = [];
  private loadQueued = false;
  /** Given up (close, exit timeout): nothing more is loaded. */
  private stopped = false;

  constructor(private readonly src: LoaderSource) {}

  /** Records wait on disk only. */
  get waiting(): boolean {
    return this.cursor !== undefined;
  }

  /** The cursor is in `seg` (it is not deleted while read). */
  at(seg: Segment): boolean {
    return this.cursor?.seg === seg;
  }

  /** Records wait on disk in `seg`: from `offset` on, or from its first entry. */
  startAt(seg: Segment, offset?: number): void {
    this.cursor = { seg, reader: new SegmentReader(seg.path) };
    if (offset !== undefined) this.cursor.reader.offset = offset;
  }

  /** Loads records waiting on disk while memory has room (a turn's worth; the next turn goes on). */
  refill(): void {
    const src = this.src;
    let budget = LOAD_BYTES;
    while (this.cursor !== undefined && !this.stopped && budget > 0 && src.room()) {
      const { seg, reader } = this.cursor;
      const before = reader.offset;
      const n = reader.next(src.writtenBytes(seg), this.loaded);
      if (n > 0) {
        for (const rec of this.loaded) src.enqueue(rec, seg.id);
        this.loaded.length = 0;
        seg.inMemory += n;
        if (seg.inherited) src.stats.replayed += n;
        budget -= reader.offset - before;
      } else if (n < 0) {
        src.cut(seg, reader.offset);
        this.leave(seg);
      } else if (src.writePending(seg)) {
        if (src.failed()) return;
      } else {
        this.leave(seg);
      }
    }
    if (this.cursor !== undefined && budget <= 0 && !this.loadQueued) {
      this.loadQueued = true;
      setImmediate(() => {
        this.loadQueued = false;
        this.refill();
      });
    }
  }

  /** The cursor leaves `seg` (read whole, cut, or dropped): on to the next, or none waits. */
  leave(seg: Segment): void {
    this.cursor!.reader.close();
    const next = this.src.after(seg);
    this.cursor = next === undefined ? undefined : { seg: next, reader: new SegmentReader(next.path) };
    this.src.left(seg);
  }

  /** Stops loading: what is on disk stays there for the next client. */
  stop(): void {
    this.stopped = true;
  }

  /** Stops loading and closes the file being read. */
  close(): void {
    this.stopped = true;
    this.cursor?.reader.close();
    this.cursor = undefined;
  }
}
