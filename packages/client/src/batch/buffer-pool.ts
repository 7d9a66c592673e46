import { BatchWriter } from '@clogs/protocol';

/** The most bytes, and the most frames, cut from one allocation. */
const SLAB_BYTES = 64 * 1024;
const SLAB_FRAMES = 16;

/**
 * Frame buffers of one size, reused once sent: no allocation per frame in the steady state.
 * New buffers are cut from slabs of up to SLAB_FRAMES frames: a Node buffer costs
 * microseconds to allocate and to collect whatever its size, and a burst of `log()`
 * calls takes thousands. A slab lives while any of its frames does, so memory held past
 * the frames in use is at most SLAB_FRAMES times theirs.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly perSlab: number;
  private slab: Buffer | undefined;
  private cut = 0;

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {
    this.perSlab = Math.max(1, Math.min(SLAB_FRAMES, Math.floor(SLAB_BYTES / size)));
  }

  take(): Buffer {
    const spare = this.free.pop();
    if (spare !== undefined) return spare;
    const size = this.size;
    if (this.slab === undefined || this.cut === this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(size * this.perSlab);
      this.cut = 0;
    }
    const at = this.cut;
    this.cut = at + size;
    return this.slab.subarray(at, at + size);
  }

  /** Returns a buffer once nothing refers to its bytes; odd sizes (one-off frames) are let go. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.keep) this.free.push(buffer);
  }
}

/** The most bytes of spare frame buffers a client keeps. */
const SPARE_BYTES = 4 * 2 ** 20;

/** A frame being filled: its writer and the pooled buffer it writes into. */
export interface OpenFrame {
  readonly writer: BatchWriter;
  buffer: Buffer;
}

/**
 * Writers for open frames, each with a buffer from the pool: a lane takes one with its
 * first record and gives it back when its frame is finished or emptied, so only lanes
 * with records hold one.
 */
export class FrameWriters {
  private readonly spare: OpenFrame[] = [];

  /**
   * Writers for frames of `maxDatagramBytes` under a queue of `maxQueueBytes`: spare
   * buffers are memory maxQueueBytes does not count, so a quarter of it is kept at most,
   * and no more than SPARE_BYTES. The bound is in bytes, not frames: a window of small
   * frames in flight comes back in bursts of thousands, and each one not kept is
   * allocated again.
   */
  static forQueue(
    maxDatagramBytes: number,
    maxQueueBytes: number,
    sender: number,
    sealed: boolean,
  ): FrameWriters {
    const spareBytes = Math.min(maxQueueBytes / 4, SPARE_BYTES);
    const keep = Math.max(2, Math.floor(spareBytes / maxDatagramBytes));
    return new FrameWriters(new BufferPool(maxDatagramBytes, keep), sender, sealed, keep);
  }

  constructor(
    readonly buffers: BufferPool,
    private readonly sender: number,
    /** Frames get room for a seal (the client has a key). */
    private readonly sealed: boolean,
    private readonly keep: number,
  ) {}

  take(): OpenFrame {
    const buffer = this.buffers.take();
    const open = this.spare.pop();
    if (open === undefined) {
      const { sender, sealed } = this;
      const writer = new BatchWriter({ sender, maxDatagramBytes: buffer.length, sealed, buffer });
      return { writer, buffer };
    }
    open.writer.reset(buffer);
    open.buffer = buffer;
    return open;
  }

  /** A writer is done with; `withBuffer`: its buffer holds no frame and goes back too. */
  giveWriter(open: OpenFrame, withBuffer: boolean): void {
    if (withBuffer) this.buffers.give(open.buffer);
    if (this.spare.length < this.keep) this.spare.push(open);
  }
}
