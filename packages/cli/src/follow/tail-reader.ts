import { MAX_DATAGRAM_BYTES } from '@clogs/protocol';
import type { FileTail } from './file-tail.js';
import { FINGERPRINT_BYTES, readHead } from './fingerprint.js';

/** What becomes of one line: `end` excludes its newline. Returns false to stop reading (no room). */
export type LineSink = (buf: Buffer, start: number, end: number) => boolean;

/** A line longer than any datagram: counted once, its bytes skipped up to its newline. */
export type TooLongSink = () => void;

/** Every `markEvery` lines: the lines of `tail` before byte `offset` are logged. */
export type MarkSink = (tail: FileTail, offset: number) => void;

/** Bytes read per call: more than the longest line a datagram holds, so a line that fits is read whole. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads a followed file's complete lines from its offset, one buffer for every file (the
 * sink copies what it keeps). A last line without a newline is left in the file until it
 * has one, or until {@link takePartial} says it has waited long enough.
 */
export class TailReader {
  private readonly buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** The first bytes of the file just read, to confirm it is still the one its offset counts. */
  private readonly head = Buffer.allocUnsafe(FINGERPRINT_BYTES);

  private sinceMark = 0;

  constructor(
    private readonly onLine: LineSink,
    private readonly onTooLong: TooLongSink,
    private readonly onMark: MarkSink,
    private readonly markEvery: number,
  ) {}

  /**
   * One read at the tail's offset: the complete lines in it go to the sink, and the
   * offset moves past them. Resolves with the lines given, and whether the file has more
   * to read now (false at its end, or with only a last line without newline left). A
   * file found rewritten from its start gives nothing and is marked for the next scan.
   */
  async read(tail: FileTail, now: number, budget: number): Promise<{ lines: number; more: boolean }> {
    if (tail.rewritten) return { lines: 0, more: false };
    const { bytesRead } = await tail.fh.read(this.buf, 0, CHUNK_BYTES, tail.offset);
    if (bytesRead === 0) {
      tail.partialSince = undefined;
      return { lines: 0, more: false };
    }
    // Checked after the read: bytes read after a cut (new lines at an old offset) fail it.
    if (!tail.confirm(this.buf, bytesRead, await readHead(tail.fh, this.head)))
      return { lines: 0, more: false };
    tail.size = Math.max(tail.size, tail.offset + bytesRead);
    const buf = this.buf;
    let at = 0;
    let lines = 0;
    if (tail.skipping) {
      const lf = buf.indexOf(0x0a, 0);
      if (lf < 0 || lf >= bytesRead) {
        tail.offset += bytesRead;
        return { lines: 0, more: bytesRead === CHUNK_BYTES };
      }
      tail.skipping = false;
      at = lf + 1;
    }
    while (lines < budget) {
      const lf = buf.indexOf(0x0a, at);
      if (lf < 0 || lf >= bytesRead) break;
      let end = lf;
      if (end > at && buf[end - 1] === 0x0d) end--;
      lines++;
      const room = this.give(at, end);
      at = lf + 1;
      if (++this.sinceMark === this.markEvery) {
        this.sinceMark = 0;
        this.onMark(tail, tail.offset + at);
      }
      if (!room) break;
    }
    tail.offset += at;
    const rest = bytesRead - at;
    if (lines === budget || at === bytesRead) {
      tail.partialSince = undefined;
      return { lines, more: bytesRead === CHUNK_BYTES || lines === budget };
    }
    if (rest === CHUNK_BYTES) {
      // A whole buffer and no newline: a line no datagram holds.
      this.onTooLong();
      tail.skipping = true;
      tail.offset += rest;
      return { lines, more: true };
    }
    if (at > 0 && rest > 0) {
      // Stopped for room, or lines then a part of the next: read on from the new offset.
      return { lines, more: bytesRead === CHUNK_BYTES || lines > 0 };
    }
    // Only a last line without newline: its wait starts now, or goes on while it does not grow.
    const end = tail.offset + rest;
    if (tail.partialSince === undefined || tail.partialEnd !== end) {
      tail.partialSince = now;
      tail.partialEnd = end;
    }
    return { lines, more: false };
  }

  /**
   * The last line without newline, sent as it is (its wait is over, or its file was
   * rotated: nothing more comes to it), or counted as too long past a datagram's room.
   * Returns whether there was one.
   */
  async takePartial(tail: FileTail): Promise<boolean> {
    if (tail.rewritten) return false;
    const { bytesRead } = await tail.fh.read(this.buf, 0, CHUNK_BYTES, tail.offset);
    tail.partialSince = undefined;
    if (bytesRead === 0) return false;
    if (!tail.confirm(this.buf, bytesRead, await readHead(tail.fh, this.head))) return false;
    const lf = this.buf.indexOf(0x0a, 0);
    if (lf >= 0 && lf < bytesRead) return false;
    if (bytesRead > MAX_DATAGRAM_BYTES) {
      // Counted as too long, never left waiting. More of it may still come (its wait is
      // over, not its file): skipped up to its newline; a rotated file's last line is whole.
      this.onTooLong();
      tail.offset += bytesRead;
      tail.skipping = !tail.rotated;
      return true;
    }
    this.give(0, bytesRead);
    tail.offset += bytesRead;
    return true;
  }

  private give(start: number, end: number): boolean {
    if (end - start > MAX_DATAGRAM_BYTES) {
      this.onTooLong();
      return true;
    }
    return this.onLine(this.buf, start, end);
  }
}
