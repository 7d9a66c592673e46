/**
 * Remembers the last `size` LOG seqs of each sender, for the most recent `maxSenders`
 * senders, so that a resent frame is acknowledged again without being written twice.
 * Memory is bounded: size × maxSenders × 4 bytes, plus one Set per sender.
 */
export class DedupeWindow {
  private readonly senders = new Map<number, SenderWindow>();

  constructor(
    private readonly size: number,
    private readonly maxSenders: number,
  ) {}

  /** True when (sender, seq) was remembered and not yet pushed out of the window. */
  has(sender: number, seq: number): boolean {
    return this.senders.get(sender)?.seqs.has(seq) === true;
  }

  remember(sender: number, seq: number): void {
    let w = this.senders.get(sender);
    if (w === undefined) {
      if (this.senders.size >= this.maxSenders) {
        // Map iteration is insertion order, and a sender is re-inserted on each frame:
        // the first key is the sender heard from least recently.
        this.senders.delete(this.senders.keys().next().value!);
      }
      w = { seqs: new Set(), ring: new Uint32Array(this.size), next: 0 };
    } else {
      this.senders.delete(sender);
    }
    this.senders.set(sender, w);
    if (w.seqs.has(seq)) return;
    if (w.seqs.size === this.size) w.seqs.delete(w.ring[w.next]!);
    w.ring[w.next] = seq;
    w.next = (w.next + 1) % this.size;
    w.seqs.add(seq);
  }
}

interface SenderWindow {
  seqs: Set<number>;
  ring: Uint32Array;
  next: number;
}
