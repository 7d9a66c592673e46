const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Cuts a byte stream into lines, a cursor over each chunk: `feed(chunk)`, then `next()`
 * until it returns false, reading each line as `buf[start, end)`. No object is made per
 * line (a pipe carries a million lines a second). Bytes are never decoded (a line is
 * whatever lies between LFs, invalid UTF-8 included); CRLF counts as LF; memory is
 * bounded: a line past `maxLineBytes` is counted in `tooLong` and skipped to its LF,
 * never buffered whole.
 */
export class LineSplitter {
  /** The current line: `buf[start, end)`, without its LF or a CR before it. */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** Lines skipped so far for being longer than `maxLineBytes`. */
  tooLong = 0;
  private chunk: Buffer = EMPTY;
  private at = 0;
  /** A line cut across chunks, copied (the stream reuses a chunk's memory). */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skipping = false;

  constructor(readonly maxLineBytes: number) {}

  /** The next chunk of input; the one before must have been read to its end. */
  feed(chunk: Buffer): void {
    this.chunk = chunk;
    this.at = 0;
  }

  /** Moves to the next whole line of the chunk; false once the chunk is used up. */
  next(): boolean {
    const chunk = this.chunk;
    for (;;) {
      const from = this.at;
      if (from >= chunk.length) return false;
      const lf = chunk.indexOf(LF, from);
      if (lf < 0) {
        this.at = chunk.length;
        this.hold(from, chunk.length);
        return false;
      }
      this.at = lf + 1;
      if (this.skipping || this.carryBytes + lf - from > this.maxLineBytes + 1) {
        // +1: a CR before the LF is not the line's.
        this.tooLong++;
        this.reset();
        continue;
      }
      if (this.carryBytes === 0) {
        if (this.take(chunk, from, lf)) return true;
        continue;
      }
      const whole = Buffer.concat([...this.carry, chunk.subarray(from, lf)]);
      this.reset();
      if (this.take(whole, 0, whole.length)) return true;
    }
  }

  /** At the end of input: moves to the last line if it had no LF; false if there is none. */
  finish(): boolean {
    const skipping = this.skipping;
    const whole = this.carryBytes === 0 ? undefined : Buffer.concat(this.carry);
    this.reset();
    this.chunk = EMPTY;
    this.at = 0;
    if (skipping) {
      this.tooLong++;
      return false;
    }
    return whole !== undefined && this.take(whole, 0, whole.length);
  }

  /** Makes `buf[start, end)` the current line, CR dropped; false (and counted) when too long. */
  private take(buf: Buffer, start: number, end: number): boolean {
    const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
    if (stop - start > this.maxLineBytes) {
      this.tooLong++;
      return false;
    }
    this.buf = buf;
    this.start = start;
    this.end = stop;
    return true;
  }

  /** The chunk ended mid-line: keep a copy of its piece, or only count it once too long. */
  private hold(from: number, to: number): void {
    if (this.skipping) return;
    if (this.carryBytes + to - from > this.maxLineBytes + 1) {
      this.skipping = true;
      this.carry = [];
      this.carryBytes = 0;
      return;
    }
    this.carry.push(Buffer.from(this.chunk.subarray(from, to)));
    this.carryBytes += to - from;
  }

  private reset(): void {
    if (this.carryBytes > 0) this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }
}
