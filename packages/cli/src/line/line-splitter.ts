const LF = 0x0a;
const CR = 0x0d;

/** What a chunk of input held: whole lines, and lines cut for being too long. */
export interface Split {
  /** Each line without its LF and without a CR before it. Views of the input where possible. */
  lines: Buffer[];
  /** Lines longer than `maxLineBytes`: their bytes were not kept. */
  tooLong: number;
}

/**
 * Cuts a byte stream into lines. Bytes are never decoded (a line is whatever lies
 * between LFs, invalid UTF-8 included); CRLF counts as LF; memory is bounded: a line
 * past `maxLineBytes` is counted and skipped to its LF, never buffered whole.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skipping = false;

  constructor(readonly maxLineBytes: number) {}

  push(chunk: Buffer): Split {
    const out: Split = { lines: [], tooLong: 0 };
    let start = 0;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, start)) {
      this.take(chunk.subarray(start, lf), true, out);
      start = lf + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), false, out);
    return out;
  }

  /** The last line, if the input did not end with LF. */
  end(): Split {
    const out: Split = { lines: [], tooLong: 0 };
    if (this.skipping) out.tooLong++;
    else if (this.carryBytes > 0) this.keep(stripCr(Buffer.concat(this.carry)), out);
    this.reset();
    return out;
  }

  private take(piece: Buffer, complete: boolean, out: Split): void {
    if (!this.skipping && this.carryBytes + piece.length > this.maxLineBytes + 1) {
      // +1: a CR before the LF is not the line's.
      this.skipping = true;
      this.carry = [];
      this.carryBytes = 0;
    }
    if (this.skipping) {
      if (complete) {
        out.tooLong++;
        this.reset();
      }
      return;
    }
    if (!complete) {
      // The chunk's memory is reused by the stream: keep a copy.
      this.carry.push(Buffer.from(piece));
      this.carryBytes += piece.length;
      return;
    }
    const line = this.carryBytes === 0 ? piece : Buffer.concat([...this.carry, piece]);
    this.reset();
    this.keep(stripCr(line), out);
  }

  private keep(line: Buffer, out: Split): void {
    if (line.length > this.maxLineBytes) out.tooLong++;
    else out.lines.push(line);
  }

  private reset(): void {
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, -1) : line;
}
