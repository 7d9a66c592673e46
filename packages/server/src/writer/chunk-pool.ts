/**
 * The chunks lines are appended into: full-size ones are reused, as many as a burst
 * needs again; every chunk taken counts in `heldBytes` until it is given back.
 */
export class ChunkPool {
  private readonly spare: Buffer[] = [];

  constructor(
    /** Largest chunk a sink grows to: the size that is pooled. */
    readonly chunkBytes: number,
    private readonly stats: { heldBytes: number },
  ) {}

  take(bytes: number): Buffer {
    const chunk = (bytes === this.chunkBytes ? this.spare.pop() : undefined) ?? Buffer.allocUnsafe(bytes);
    this.stats.heldBytes += chunk.length;
    return chunk;
  }

  release(chunk: Buffer): void {
    this.stats.heldBytes -= chunk.length;
    if (chunk.length === this.chunkBytes && this.spare.length < 64) this.spare.push(chunk);
  }
}
