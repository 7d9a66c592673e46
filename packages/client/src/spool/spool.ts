import { mkdirSync, readdirSync } from 'node:fs';
import { type LogRecord, type LogRecordInput, nowUs } from '@clogs/protocol';
import type { DropReason } from '../client-types.js';
import { ClientError } from '../errors.js';
import { segmentId } from './segment-format.js';
import { SegmentReader } from './segment-reader.js';
import { type Segment, SegmentSet } from './segment-set.js';
import { SegmentWriter } from './segment-writer.js';
import { lockSpool } from './spool-lock.js';
import type { ResolvedSpool } from './spool-options.js';
import type { SpoolStats } from './spool-stats.js';

/** admit(): the record goes to the spool only (records wait on disk, or memory is full). */
export const DISK_ONLY = -1;
/** admit(): the spool is full and the record is refused (counted). */
export const SPOOL_FULL = -2;

/** Bytes of entries loaded into memory at once; the rest follows on the next turn. */
const LOAD_BYTES = 512 * 1024;

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
 * the open segment; while records wait on disk only (memory was full, or a previous
 * process left them), new ones join them there and are loaded, oldest first, as memory
 * has room. Each frame carries spans of the segments its records came from; a segment is
 * deleted once it is closed and every record in it is in memory and released. A record
 * is safe from a killed process once counted in `spooled` (within the flush interval).
 */
export class Spool {
  readonly stats: SpoolStats;
  private readonly segments: SegmentSet;
  private writer: SegmentWriter;
  private cur: Segment;
  /** The first record on disk only (undefined: none waits). */
  private cursor: { seg: Segment; reader: SegmentReader } | undefined;
  private readonly loaded: LogRecord[] = [];
  private readonly unlock: () => void;
  private timer: NodeJS.Timeout | undefined;
  private armed = false;
  private rollDue = false;
  private loadQueued = false;
  /** A write failed: from then on records are held in memory only. */
  failed = false;
  /** Given up (close, exit timeout): nothing more is loaded. */
  private stopped = false;
  private readonly onExit = () => this.flushQuietly();
  private readonly flushMs: number;

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
    this.unlock = attempt(dir, 'cannot be made', () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return lockSpool(dir);
    });
    try {
      const ids = attempt(dir, 'cannot be read', () => readdirSync(dir))
        .map(segmentId)
        .filter((id): id is number => id !== undefined)
        .sort((a, b) => a - b);
      for (const id of ids) {
        const found = attempt(dir, 'cannot be read', () => this.segments.recover(id));
        this.stats.found += found.records;
        this.stats.cut += found.cutEntries;
        this.stats.cutBytes += found.cutBytes;
      }
      this.cur = this.segments.open((ids.at(-1) ?? 0) + 1);
      this.writer = this.writerFor(this.cur);
    } catch (err) {
      this.unlock();
      throw err;
    }
    const first = this.segments.list[0]!;
    if (first !== this.cur) this.cursor = { seg: first, reader: new SegmentReader(first.path) };
    this.flushMs = Math.max(1, flushMs);
    process.on('exit', this.onExit);
  }

  /**
   * For log(), before the record is queued: stamps its time (the spool and the frame then
   * carry the same), and says where it goes: a segment number (memory and disk),
   * {@link DISK_ONLY}, or {@link SPOOL_FULL} (counted).
   */
  admit(rec: LogRecordInput, memoryRoom: boolean): number {
    rec.timeUs ??= nowUs();
    // Before the record: every record encoded so far goes to the segment it was counted in.
    if (this.rollDue || this.writer.size >= this.o.segmentBytes) this.roll();
    if (this.size() >= this.o.maxBytes && !this.makeRoom()) {
      this.host.drop('spool_full', 1);
      return SPOOL_FULL;
    }
    if (this.cursor === undefined && !memoryRoom) {
      // Memory is full: from here records wait on disk, in entries of their own.
      this.writer.endEntry();
      this.cursor = { seg: this.cur, reader: new SegmentReader(this.cur.path) };
      this.cursor.reader.offset = this.writer.size;
    }
    return this.cursor === undefined ? this.cur.id : DISK_ONLY;
  }

  /**
   * Appends the record admit() let in: `encoded`, its bytes in the frame it was queued in
   * (copied, not encoded again), or, for a record on disk only, `rec` encoded here.
   * @throws {ProtocolError} for a record the wire format refuses (on disk only: nothing else checked it).
   */
  append(rec: LogRecordInput, encoded: Uint8Array | undefined): void {
    const written = this.guard(() =>
      encoded === undefined ? this.writer.append(rec) : this.writer.appendEncoded(encoded),
    );
    if (this.failed) {
      if (encoded === undefined) this.host.drop('spool_failed', 1);
      return;
    }
    this.cur.records++;
    if (encoded !== undefined) this.cur.inMemory++;
    this.stats.spooled += written;
    if (!this.armed) {
      this.armed = true;
      if (this.timer === undefined) this.timer = setTimeout(() => this.tick(), this.flushMs).unref();
      else this.timer.refresh();
    }
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
    let budget = LOAD_BYTES;
    while (this.cursor !== undefined && !this.stopped && budget > 0 && this.host.room()) {
      const { seg, reader } = this.cursor;
      const before = reader.offset;
      const n = reader.next(seg === this.cur ? this.writer.bytes : seg.bytes, this.loaded);
      if (n > 0) {
        for (const rec of this.loaded) this.host.enqueue(rec, seg.id);
        this.loaded.length = 0;
        seg.inMemory += n;
        if (seg.inherited) this.stats.replayed += n;
        budget -= reader.offset - before;
      } else if (n < 0) {
        this.cutRest(seg, reader.offset);
      } else if (seg === this.cur && this.writer.pendingRecords > 0) {
        this.write();
        if (this.failed) return;
      } else {
        this.advance(seg);
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

  /** Stops loading: what is on disk stays there for the next client (the client gave up). */
  stop(): void {
    this.stopped = true;
  }

  /** Writes what is encoded, closes the files; segments still holding records stay. */
  close(): number {
    if (this.timer !== undefined) clearTimeout(this.timer);
    process.off('exit', this.onExit);
    this.stopped = true;
    this.cursor?.reader.close();
    this.cursor = undefined;
    this.closeWriter();
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
    return this.segments.closedBytes + this.writer.size;
  }

  /** onFull 'drop-oldest': deletes the oldest segment whose records are all on disk only. */
  private makeRoom(): boolean {
    if (this.onFull !== 'drop-oldest') return false;
    const seg = this.segments.list.find((s) => s !== this.cur && s.closed && s.inMemory === 0);
    if (seg === undefined) return false;
    if (this.cursor?.seg === seg) this.advance(seg);
    this.host.drop('oldest_dropped', seg.records);
    seg.inMemory = seg.released = seg.records;
    this.deleteIfDone(seg);
    return this.size() < this.o.maxBytes;
  }

  private tick(): void {
    this.armed = false;
    this.write();
    // Everything encoded is in the file: no record is between admit() and its segment.
    if (this.writer.bytes >= this.o.segmentBytes && !this.failed) this.roll();
    if (this.cursor !== undefined) this.refill();
  }

  /** Writes every encoded record; a failure is said once and the spool is given up. */
  private write(): void {
    if (this.failed) return;
    this.stats.spooled += this.guard(() => {
      const n = this.writer.flush();
      if (this.o.fsync === 'flush') this.writer.fsync();
      return n;
    });
  }

  private roll(): void {
    this.rollDue = false;
    this.closeWriter();
    if (this.failed) return;
    this.cur = this.segments.open(this.cur.id + 1);
    this.writer = this.writerFor(this.cur);
  }

  private closeWriter(): void {
    if (this.cur.closed) return; // a write failed and closed it: nothing was opened since
    this.write();
    if (!this.failed && this.o.fsync !== 'never')
      this.guard(() => {
        this.writer.fsync();
        return 0;
      });
    this.writer.close();
    this.cur.bytes = this.writer.bytes;
    this.segments.close(this.cur);
    this.deleteIfDone(this.cur);
  }

  /** The cursor leaves a segment it has read whole: on to the next, or none waits. */
  private advance(seg: Segment): void {
    this.cursor!.reader.close();
    const next = this.segments.after(seg);
    this.cursor = next === undefined ? undefined : { seg: next, reader: new SegmentReader(next.path) };
    this.deleteIfDone(seg);
  }

  /** A corrupt entry while loading: the rest of the segment is cut and its records counted dropped. */
  private cutRest(seg: Segment, at: number): void {
    const lost = seg.records - seg.inMemory;
    this.stats.cut++;
    this.stats.cutBytes += (seg === this.cur ? this.writer.bytes : seg.bytes) - at;
    this.host.drop('spool_corrupt', lost);
    // Called between log() calls: rolling here strands no record.
    if (seg === this.cur) this.roll();
    seg.records = seg.inMemory;
    this.advance(seg);
  }

  private deleteIfDone(seg: Segment): void {
    if (this.segments.done(seg) && this.cursor?.seg !== seg) this.segments.remove(seg);
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
      const diskOnly = this.cursor === undefined ? 0 : this.writer.pendingRecords;
      this.cur.records -= diskOnly;
      if (diskOnly > 0) this.host.drop('spool_failed', diskOnly);
      this.host.warn(
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

/** Runs a step of opening the spool; an fs error becomes `ERR_CLIENT_SPOOL` naming the folder. */
function attempt<T>(dir: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ClientError) throw err;
    throw new ClientError('ERR_CLIENT_SPOOL', `spool ${dir} ${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
