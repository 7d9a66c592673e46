import { type LogRecord, type LogRecordInput, nowUs } from '@clogs/protocol';
import type { DropReason } from '../client-types.js';
import type { ClientError } from '../errors.js';
import { OpenSegment } from './open-segment.js';
import { type Segment, SegmentSet } from './segment-set.js';
import { lockFolder, recoverSegments } from './spool-folder.js';
import { type LoaderSource, SpoolLoader } from './spool-loader.js';
import type { ResolvedSpool } from './spool-options.js';
import type { SpoolStats } from './spool-stats.js';

/** admit(): the record goes to the spool only (records wait on disk, or memory is full). */
export const DISK_ONLY = -1;
/** admit(): the spool is full and the record is refused (counted). */
export const SPOOL_FULL = -2;

/** What the spool needs of its client. */
export interface SpoolHost {
  /** Puts a record read back from disk into memory (routed as log() routes), for segment `seg`. */
  enqueue(rec: LogRecord, seg: number): void;
  /** Memory has room for records loaded from disk. */
  room(): boolean;
  drop(reason: DropReason, records: number): void;
  warn(err: ClientError): void;
}

/**
 * The disk spool (see the README's Disk spool): every record log() takes is appended to
 * the open segment ({@link OpenSegment}); while records wait on disk only (memory was
 * full, or a previous process left them), new ones join them there and are loaded,
 * oldest first, as memory has room ({@link SpoolLoader}). Each frame carries spans of
 * the segments its records came from; a segment is deleted once it is closed and every
 * record in it is in memory and released. A record is safe from a killed process once
 * counted in `spooled` (within the flush interval).
 */
export class Spool {
  readonly stats: SpoolStats;
  private readonly segments: SegmentSet;
  /** The segment being written. */
  private readonly open: OpenSegment;
  /** What waits on disk only, and its loading back. */
  private readonly loader: SpoolLoader;
  private readonly unlock: () => void;

  /** @throws {ClientError} `ERR_CLIENT_SPOOL` when the folder cannot be made, locked, read or written. */
  constructor(
    private readonly o: ResolvedSpool,
    flushMs: number,
    private readonly onFull: 'drop-newest' | 'drop-oldest',
    private readonly host: SpoolHost,
  ) {
    const dir = o.dir;
    this.segments = new SegmentSet(dir);
    this.stats = {
      dir,
      segments: 0,
      spooled: 0,
      replayed: 0,
      found: 0,
      backlog: 0,
      cut: 0,
      cutBytes: 0,
      left: 0,
    };
    this.unlock = lockFolder(dir);
    try {
      const id = recoverSegments(dir, this.segments, this.stats);
      this.open = new OpenSegment(o, this.segments, id, flushMs, {
        stats: this.stats,
        diskOnly: () => this.loader.waiting,
        drop: (reason, records) => host.drop(reason, records),
        warn: (err) => host.warn(err),
        closed: (seg) => this.deleteIfDone(seg),
        flushed: () => {
          if (this.loader.waiting) this.loader.refill();
        },
      });
    } catch (err) {
      this.unlock();
      throw err;
    }
    this.loader = new SpoolLoader(this.loaderSource());
    const first = this.segments.list[0]!;
    if (first !== this.open.seg) this.loader.startAt(first);
  }

  /** A write failed: from then on records are held in memory only. */
  get failed(): boolean {
    return this.open.failed;
  }

  /**
   * For log(), before the record is queued: stamps its time (the spool and the frame then
   * carry the same), and says where it goes: a segment number (memory and disk),
   * {@link DISK_ONLY}, or {@link SPOOL_FULL} (counted).
   */
  admit(rec: LogRecordInput, memoryRoom: boolean): number {
    rec.timeUs ??= nowUs();
    const open = this.open;
    // Before the record: every record encoded so far goes to the segment it was counted in.
    if (open.size >= this.o.segmentBytes) open.roll();
    if (this.size() >= this.o.maxBytes && !this.makeRoom()) {
      this.host.drop('spool_full', 1);
      return SPOOL_FULL;
    }
    if (!this.loader.waiting && !memoryRoom) {
      // Memory is full: from here records wait on disk, in entries of their own.
      open.endEntry();
      this.loader.startAt(open.seg, open.size);
    }
    return this.loader.waiting ? DISK_ONLY : open.seg.id;
  }

  /**
   * Appends the record admit() let in: `encoded`, its bytes in the frame it was queued in
   * (copied, not encoded again), or, for a record on disk only, `rec` encoded here.
   * @throws {ProtocolError} for a record the wire format refuses (on disk only: nothing else checked it).
   */
  append(rec: LogRecordInput, encoded: Uint8Array | undefined): void {
    this.open.append(rec, encoded);
  }

  /** A frame is done with (acknowledged, sent at-most-once, dropped): its records are released. */
  release(spans: readonly number[] | undefined): void {
    if (spans === undefined) return;
    for (let i = 0; i < spans.length; i += 2) {
      const seg = this.segments.get(spans[i]!);
      if (seg === undefined) continue;
      seg.released += spans[i + 1]!;
      this.deleteIfDone(seg);
    }
  }

  /** Loads records waiting on disk while memory has room (a turn's worth; the next turn goes on). */
  refill(): void {
    this.loader.refill();
  }

  /** Stops loading: what is on disk stays there for the next client (the client gave up). */
  stop(): void {
    this.loader.stop();
  }

  /** Writes what is encoded, closes the files; segments still holding records stay. */
  close(): number {
    this.loader.close();
    this.open.close();
    for (const seg of [...this.segments.list]) this.deleteIfDone(seg);
    let left = 0;
    for (const seg of this.segments.list) left += seg.records - seg.released;
    this.stats.left = left;
    this.unlock();
    return left;
  }

  snapshot(): SpoolStats {
    let backlog = 0;
    for (const seg of this.segments.list) backlog += seg.records - seg.inMemory;
    return { ...this.stats, segments: this.segments.list.length, backlog };
  }

  private size(): number {
    return this.segments.closedBytes + this.open.size;
  }

  /** onFull 'drop-oldest': deletes the oldest segment whose records are all on disk only. */
  private makeRoom(): boolean {
    if (this.onFull !== 'drop-oldest') return false;
    const seg = this.segments.list.find((s) => s !== this.open.seg && s.closed && s.inMemory === 0);
    if (seg === undefined) return false;
    if (this.loader.at(seg)) this.loader.leave(seg);
    this.host.drop('oldest_dropped', seg.records);
    seg.inMemory = seg.released = seg.records;
    this.deleteIfDone(seg);
    return this.size() < this.o.maxBytes;
  }

  /** Bytes of `seg` in its file so far. */
  private writtenBytes(seg: Segment): number {
    return seg === this.open.seg ? this.open.bytes : seg.bytes;
  }

  /** What the loader reads, writes and is told of. */
  private loaderSource(): LoaderSource {
    const { host, open } = this;
    return {
      stats: this.stats,
      failed: () => open.failed,
      room: () => host.room(),
      enqueue: (rec, seg) => host.enqueue(rec, seg),
      writtenBytes: (seg) => this.writtenBytes(seg),
      writePending: (seg) => {
        if (seg !== open.seg || open.pendingRecords === 0) return false;
        open.write();
        return true;
      },
      after: (seg) => this.segments.after(seg),
      cut: (seg, at) => this.cutRest(seg, at),
      left: (seg) => this.deleteIfDone(seg),
    };
  }

  /** A corrupt entry while loading: the rest of the segment is cut and its records counted dropped. */
  private cutRest(seg: Segment, at: number): void {
    const lost = seg.records - seg.inMemory;
    this.stats.cut++;
    this.stats.cutBytes += this.writtenBytes(seg) - at;
    this.host.drop('spool_corrupt', lost);
    // Called between log() calls: rolling here strands no record.
    if (seg === this.open.seg) this.open.roll();
    seg.records = seg.inMemory;
  }

  private deleteIfDone(seg: Segment): void {
    if (this.segments.done(seg) && !this.loader.at(seg)) this.segments.remove(seg);
  }
}
