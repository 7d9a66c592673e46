import { MAX_ACK_RANGES } from '@clogs/protocol';

/** Where the ACKs of one group go and how they are sealed: one client session at one address. */
export interface AckGroup<T> {
  /** The answer's address, sender and sealing context, given by whoever adds the first seq. */
  readonly target: T;
  seqs: number[];
}

/**
 * Gathers the ACKs due within one turn of the event loop, per group (one client session
 * at one address), and hands each group to `send` as ranges of seqs: one datagram answers
 * any number of LOG frames. A range spans fewer than `window` seqs (the spec's bound).
 */
export class AckBatcher<T> {
  private readonly groups = new Map<string, AckGroup<T>>();
  private scheduled = false;
  private readonly ranges = new Uint32Array(2 * MAX_ACK_RANGES);
  private readonly flushNow = () => this.flush();

  constructor(
    private readonly window: number,
    private readonly send: (target: T, ranges: Uint32Array, rangeCount: number, seqs: number) => void,
  ) {}

  add(group: string, target: T, seq: number): void {
    let g = this.groups.get(group);
    if (g === undefined) {
      g = { target, seqs: [] };
      this.groups.set(group, g);
    }
    g.seqs.push(seq);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Sends every ACK gathered so far. */
  flush(): void {
    this.scheduled = false;
    for (const g of this.groups.values()) this.sendGroup(g);
    this.groups.clear();
  }

  private sendGroup(g: AckGroup<T>): void {
    const seqs = g.seqs.length > 1 ? g.seqs.sort((a, b) => a - b) : g.seqs;
    const r = this.ranges;
    let n = 0;
    let acked = 0;
    let first = seqs[0]!;
    let last = first;
    const close = () => {
      r[2 * n] = first;
      r[2 * n + 1] = last;
      acked += last - first + 1;
      if (++n === MAX_ACK_RANGES) {
        this.send(g.target, r, n, acked);
        n = 0;
        acked = 0;
      }
    };
    for (let i = 1; i < seqs.length; i++) {
      const seq = seqs[i]!;
      if (seq === last) continue; // the same frame ACKed twice in one turn: once is enough
      if (seq === last + 1 && seq - first < this.window) {
        last = seq;
        continue;
      }
      close();
      first = seq;
      last = seq;
    }
    close();
    if (n > 0) this.send(g.target, r, n, acked);
  }
}
