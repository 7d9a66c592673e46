import type { LogRecordInput } from '@clogs/protocol';
import type { DropReason } from '../client-types.js';
import { ClientError } from '../errors.js';
import type { Segment, SegmentSet } from './segment-set.js';
import { SegmentWriter } from './segment-writer.js';
import { attempt } from './spool-folder.js';
import type { ResolvedSpool } from './spool-options.js';
import type { SpoolStats } from './spool-stats.js';

/** What the open segment tells its spool. */
export interface OpenSegmentHooks {
  readonly stats: SpoolStats;
  /** Records wait on disk only: those not yet written are lost with a failed write. */
  diskOnly(): boolean;
  drop(reason: DropReason, records: number): void;
  warn(err: ClientError): void;
  /** A segment was closed: it may be done with. */
  closed(seg: Segment): void;
  /** The flush timer wrote what was encoded. */
  flushed(): void;
}

/**
 * The segment being written: records appended to it, written within the flush interval
 * (and at exit), fsynced as the `fsync` option says, and rolled into a new one. A failed
 * write is said once and gives the spool up: from then on records are held in memory only.
 */
export class OpenSegment {
  seg: Segment;
  private writer: SegmentWriter;
  /** A write failed: the spool is given up. */
  failed = false;
  private timer: NodeJS.Timeout | undefined;
  private armed = false;
  private readonly flushMs: number;
  private readonly onExit = () => this.flushQuietly();

  /** @throws {ClientError} `ERR_CLIENT_SPOOL` when the file cannot be made. */
  constructor(
    private readonly o: ResolvedSpool,
    private readonly segments: SegmentSet,
    id: number,
    flushMs: number,
    private readonly hooks: OpenSegmentHooks,
  ) {
    this.seg = segments.open(id);
    this.writer = this.writerFor(this.seg);
    this.flushMs = Math.max(1, flushMs);
    process.on('exit', this.onExit);
  }

  /** Bytes appended, written or not. */
  get size(): number {
    return this.writer.size;
  }

  /** Bytes in the file. */
  get bytes(): number {
    return this.writer.bytes;
  }

  /** Records appended and not yet in the file. */
  get pendingRecords(): number {
    return this.writer.pendingRecords;
  }

  /** Ends the entry being filled: the records after it start an entry of their own. */
  endEntry(): void {
    this.writer.endEntry();
  }

  /** Appends `encoded` (a record's bytes in its frame) or, for a record on disk only, `rec`. */
  append(rec: LogRecordInput, encoded: Uint8Array | undefined): void {
    const written = this.guard(() =>
      encoded === undefined ? this.writer.append(rec) : this.writer.appendEncoded(encoded),
    );
    if (this.failed) {
      if (encoded === undefined) this.hooks.drop('spool_failed', 1);
      return;
    }
    this.seg.records++;
    if (encoded !== undefined) this.seg.inMemory++;
    this.hooks.stats.spooled += written;
    if (!this.armed) {
      this.armed = true;
      if (this.timer === undefined) this.timer = setTimeout(() => this.tick(), this.flushMs).unref();
      else this.timer.refresh();
    }
  }

  /** Writes every encoded record; a failure is said once and the spool is given up. */
  write(): void {
    if (this.failed) return;
    this.hooks.stats.spooled += this.guard(() => {
      const n = this.writer.flush();
      if (this.o.fsync === 'flush') this.writer.fsync();
      return n;
    });
  }

  /** Closes this segment and opens the next. */
  roll(): void {
    this.closeFile();
    if (this.failed) return;
    this.seg = this.segments.open(this.seg.id + 1);
    this.writer = this.writerFor(this.seg);
  }

  /** Writes what is encoded and closes the file, for good. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    process.off('exit', this.onExit);
    this.closeFile();
  }

  private tick(): void {
    this.armed = false;
    this.write();
    // Everything encoded is in the file: no record is between admit() and its segment.
    if (this.writer.bytes >= this.o.segmentBytes && !this.failed) this.roll();
    this.hooks.flushed();
  }

  private closeFile(): void {
    if (this.seg.closed) return; // a write failed and closed it: nothing was opened since
    this.write();
    if (!this.failed && this.o.fsync !== 'never')
      this.guard(() => {
        this.writer.fsync();
        return 0;
      });
    this.writer.close();
    this.seg.bytes = this.writer.bytes;
    this.segments.close(this.seg);
    this.hooks.closed(this.seg);
  }

  private writerFor(seg: Segment): SegmentWriter {
    return attempt(this.o.dir, 'cannot be written', () => new SegmentWriter(seg.path));
  }

  /** Runs a write; on failure says so once, counts the records only on disk as dropped, and stops spooling. */
  private guard(write: () => number): number {
    try {
      return write();
    } catch (err) {
      if (!(err instanceof Error) || !('errno' in err)) throw err;
      this.failed = true;
      // Records in memory go on from there; those on disk only are lost, and said so.
      const diskOnly = this.hooks.diskOnly() ? this.writer.pendingRecords : 0;
      this.seg.records -= diskOnly;
      if (diskOnly > 0) this.hooks.drop('spool_failed', diskOnly);
      this.hooks.warn(
        new ClientError(
          'ERR_CLIENT_SPOOL',
          `spool ${this.o.dir}: ${err.message}; records are held in memory only from now`,
          { cause: err },
        ),
      );
      return 0;
    }
  }

  private flushQuietly(): void {
    if (this.failed) return; // what is pending was counted, or is in memory
    try {
      this.writer.flush();
    } catch {
      // The process is ending: what could not be written is what a SIGKILL would lose.
    }
  }
}
