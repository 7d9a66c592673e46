/** What the LRU needs of a file: whether its handle can be closed now, and how. */
export interface OpenFile {
  readonly closable: boolean;
  closeHandle(): Promise<void>;
}

/**
 * At most `max` files open at once, least recently written first: to open another, the
 * oldest idle one is closed; when none is idle, the opener waits for a file to finish
 * its writes and give its slot up.
 */
export class OpenFiles<F extends OpenFile> {
  /** Open files, least recently written first (a Map keeps insertion order). */
  private readonly open = new Map<F, true>();
  /** Files that reserved a slot and are being opened. */
  private opening = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly onCount: (open: number) => void,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Every open file. */
  files(): IterableIterator<F> {
    return this.open.keys();
  }

  /** Waits for a free slot and reserves it. */
  async reserve(): Promise<void> {
    while (this.open.size + this.opening >= this.max) {
      let idle: F | undefined;
      for (const f of this.open.keys()) {
        if (f.closable) {
          idle = f;
          break;
        }
      }
      if (idle !== undefined) await idle.closeHandle();
      else await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.opening++;
  }

  /** A reserved slot now holds an open file. */
  opened(f: F): void {
    this.opening--;
    this.open.set(f, true);
    this.onCount(this.open.size);
  }

  /** A reservation whose open failed gives its slot back. */
  failed(): void {
    this.opening--;
    this.waiters.shift()?.();
  }

  closed(f: F): void {
    this.open.delete(f);
    this.onCount(this.open.size);
    this.waiters.shift()?.();
  }

  /** The file was just written to: it becomes the most recently used. */
  used(f: F): void {
    if (this.open.delete(f)) this.open.set(f, true);
  }

  /** The file has nothing to write now: if others wait for a slot, it gives its own up. */
  idle(f: F): void {
    if (this.waiters.length > 0 && f.closable) void f.closeHandle();
  }
}
