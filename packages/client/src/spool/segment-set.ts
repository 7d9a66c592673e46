import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { segmentName } from './segment-format.js';
import { type ScannedSegment, scanSegment } from './segment-reader.js';

/** One segment file and what became of its records. */
export interface Segment {
  readonly id: number;
  readonly path: string;
  /** Records in it (written, or encoded and about to be). */
  records: number;
  /** Records also in memory: logged while nothing waited on disk, or loaded since. */
  inMemory: number;
  /** Records done with: acknowledged (sent, at-most-once) or counted dropped. */
  released: number;
  /** Bytes written (for a closed one: its size). */
  bytes: number;
  closed: boolean;
  /** Left by a previous process: what is loaded from it is counted replayed. */
  readonly inherited: boolean;
}

/** The segment files of a spool folder, oldest first, and the bytes of the closed ones. */
export class SegmentSet {
  readonly list: Segment[] = [];
  closedBytes = 0;
  private readonly byId = new Map<number, Segment>();

  constructor(private readonly dir: string) {}

  get(id: number): Segment | undefined {
    return this.byId.get(id);
  }

  /** The segment after `seg`, if any. */
  after(seg: Segment): Segment | undefined {
    return this.list[this.list.indexOf(seg) + 1];
  }

  /** Recovers the file a previous process left (its tail cut, see {@link scanSegment}); kept when records survived. */
  recover(id: number): ScannedSegment {
    const path = join(this.dir, segmentName(id));
    const found = scanSegment(path);
    if (found.records > 0) {
      const { records, bytes } = found;
      this.add({ id, path, records, inMemory: 0, released: 0, bytes, closed: false, inherited: true });
      this.close(this.list.at(-1)!);
    }
    return found;
  }

  /** A new segment, to be written. */
  open(id: number): Segment {
    const path = join(this.dir, segmentName(id));
    return this.add({
      id,
      path,
      records: 0,
      inMemory: 0,
      released: 0,
      bytes: 0,
      closed: false,
      inherited: false,
    });
  }

  /** Nothing more is written to it; `bytes` is its size. */
  close(seg: Segment): void {
    seg.closed = true;
    this.closedBytes += seg.bytes;
  }

  /** Closed, and every record in it was in memory and is released: its file can go. */
  done(seg: Segment): boolean {
    return seg.closed && seg.inMemory >= seg.records && seg.released >= seg.records;
  }

  /** Deletes the file and forgets the segment. */
  remove(seg: Segment): void {
    try {
      unlinkSync(seg.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.list.splice(this.list.indexOf(seg), 1);
    this.byId.delete(seg.id);
    this.closedBytes -= seg.bytes;
  }

  private add(seg: Segment): Segment {
    this.list.push(seg);
    this.byId.set(seg.id, seg);
    return seg;
  }
}
