/** A card number needs this many digits at least; a candidate, this many characters of digits, spaces and dashes in a row. */
export const PAN_MIN_DIGITS = 13;
const SPACE = 0x20;
const DASH = 0x2d;
const STRETCH = PAN_MIN_DIGITS;

/** Sources a finder reads: bytes, UTF-16 code units, or a string. */
export type PanSource = Uint8Array | Uint16Array | string;

/**
 * Where card numbers may lie in a source, found reading as little of it as can be: most
 * messages have none, and are ruled out one probe every {@link STRETCH} characters.
 */
export class StretchScan {
  /** Where the stretch {@link next} found ends. */
  end = 0;

  /**
   * Where the first stretch in src[from, to) starts: a digit followed by 12 digits, spaces
   * or dashes (every candidate lies in one); -1 when there is none. {@link end} is then
   * the end of the run of such characters it is in: its digit sequences end there.
   *
   * Any 13 characters in a row hold one probe (every 13th position), and a probe that is
   * not a digit, space or dash rules out all of them. A probe that is one is looked at
   * with its run around it.
   */
  next(src: PanSource, from: number, to: number): number {
    for (let probe = from + STRETCH - 1; probe < to; probe += STRETCH) {
      if (!runChar(unit(src, probe))) continue;
      let start = probe;
      while (start > from && runChar(unit(src, start - 1))) start--;
      let end = probe + 1;
      while (end < to && runChar(unit(src, end))) end++;
      // the run's leading spaces and dashes start no sequence
      while (start < end && !digit(unit(src, start))) start++;
      if (end - start >= STRETCH) {
        this.end = end;
        return start;
      }
      // the next 13 characters that can hold a stretch start after `end`
      probe = end;
    }
    return -1;
  }
}

/** The code unit at `i`: bytes and UTF-16 text read alike (see the top of pan.ts). */
function unit(src: PanSource, i: number): number {
  return typeof src === 'string' ? src.charCodeAt(i) : src[i]!;
}

function digit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** A digit, space or dash: what a digit sequence is made of. */
function runChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === SPACE || c === DASH;
}
