/**
 * A first-in first-out queue of frames: a head index over an array, compacted once the
 * taken part is half of it. `Array#shift` moves every element once the array is past
 * V8's large-object size (16,384 frames), and a backlog of that many frames is a
 * queue that shifts one frame per send.
 */
export class FrameQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  /** The first item, or undefined when empty. */
  get first(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
