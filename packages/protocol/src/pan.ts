import { BRAND_FIRST_DIGITS, luhnValid, panBrand } from './pan-brands.js';
import { PAN_MIN_DIGITS as MIN_DIGITS, type PanSource, StretchScan } from './pan-stretch.js';

export { PAN_MIN_DIGITS, type PanSource } from './pan-stretch.js';

/*
 * Card numbers (PANs) in text, found without decoding it: digits, spaces and dashes are
 * ASCII, and in UTF-8 no byte of a multi-byte character is ASCII, so bytes and UTF-16
 * strings are read the same way, one code unit at a time.
 *
 * A digit sequence is a run of digits, or runs joined by one space or one dash each
 * ("4111 1111 1111 1111", "4111-1111-1111-1111"). Its candidates:
 * - a plain run of 13 to 19 digits;
 * - a span of whole groups holding 13 to 19 digits laid out as cards are printed (see
 *   cardLayout), the longest first from each group on;
 * - inside one run, a 2-digit length 13..19 followed by that many digits: an ISO 8583
 *   LLVAR field, as PAN (field 2) is written in an ASCII message among other numeric
 *   fields ("0200...16" + PAN + "000000...").
 * A candidate is a card number when its digits pass the Luhn check and fit a brand's IIN
 * prefix and length (see pan-brands.ts); `anyBrand` drops the second test.
 * Masking keeps the first 6 and the last 4 digits, stars the others, keeps separators.
 */

export const PAN_MAX_DIGITS = 19;
const KEEP_FIRST = 6;
const KEEP_LAST = 4;
const STAR = 0x2a;
const SPACE = 0x20;
const DASH = 0x2d;
// Local copies for the scanning loops: an imported binding is read through its module cell at each use.
const PAN_MIN_DIGITS = MIN_DIGITS;
const FIRST_DIGITS = BRAND_FIRST_DIGITS;

export interface PanFinderOptions {
  /** Mask every Luhn-valid candidate, whatever its prefix and length. Default false. */
  anyBrand?: boolean | undefined;
}

/**
 * Finds card numbers; reusable, allocates only to grow its tables. After {@link find},
 * the spans to star are [spans[2k], spans[2k+1]) in source positions: every digit in them
 * is masked, separators are kept.
 */
export class PanFinder {
  private digits = new Uint8Array(64);
  private positions = new Int32Array(64);
  private groups = new Int32Array(16);
  private groupCount = 0;
  /** Text being scanned, as code units. */
  private text = new Uint16Array(64);
  /** Where candidates may lie: skips the rest. */
  private readonly stretch = new StretchScan();
  spans = new Int32Array(8);
  count = 0;
  private readonly anyBrand: boolean;

  constructor(options?: PanFinderOptions) {
    this.anyBrand = options?.anyBrand === true;
  }

  /** Finds the card numbers in src[from, to); returns how many. */
  find(src: PanSource, from = 0, to = src.length): number {
    this.count = 0;
    for (let at = from; at < to; ) {
      const start = this.stretch.next(src, at, to);
      if (start < 0) break;
      const end = this.stretch.end;
      if (typeof src === 'string') {
        // Text is copied as code units, so one scanning loop reads every kind of source.
        if (this.text.length < end - start) this.text = new Uint16Array(2 * (end - start));
        for (let i = start; i < end; i++) this.text[i - start] = src.charCodeAt(i);
        this.scan(this.text, 0, end - start, start);
      } else {
        this.scan(src, start, end, 0);
      }
      at = end;
    }
    return this.count;
  }

  /**
   * Reads the digit sequences of src[from, to) and records their card numbers; `shift`
   * turns a position in `src` into one in the caller's source.
   */
  private scan(src: Uint8Array | Uint16Array, from: number, to: number, shift: number): void {
    let i = from;
    while (i < to) {
      let c = src[i]!;
      if (c > 0x39 || c < 0x30) {
        i++;
        continue;
      }
      let n = 0;
      let groups = 0;
      for (;;) {
        if (groups === this.groups.length - 1) this.growGroups();
        this.groups[groups++] = n;
        while (c >= 0x30 && c <= 0x39) {
          if (n === this.digits.length) this.grow();
          this.digits[n] = c - 0x30;
          this.positions[n++] = shift + i++;
          c = i < to ? src[i]! : -1;
        }
        if ((c !== SPACE && c !== DASH) || i + 1 >= to) break;
        c = src[i + 1]!;
        if (c < 0x30 || c > 0x39) break;
        i++;
      }
      this.groups[groups] = n;
      if (n >= PAN_MIN_DIGITS) this.candidates(groups);
    }
  }

  /** Stars the digits of the spans found, in dst (the source, or a copy at `shift` from it). */
  mask(dst: Uint8Array | Uint16Array, shift = 0): void {
    const s = this.spans;
    for (let k = 0; k < this.count; k++) {
      for (let i = s[2 * k]! + shift, end = s[2 * k + 1]! + shift; i < end; i++) {
        const c = dst[i]!;
        if (c >= 0x30 && c <= 0x39) dst[i] = STAR;
      }
    }
  }

  /** The text with the spans found starred. */
  maskText(text: string): string {
    const s = this.spans;
    let out = '';
    let at = 0;
    for (let k = 0; k < this.count; k++) {
      const from = s[2 * k]!;
      const to = s[2 * k + 1]!;
      out += text.slice(at, from);
      for (let i = from; i < to; i++) {
        const c = text.charCodeAt(i);
        out += c >= 0x30 && c <= 0x39 ? '*' : text[i];
      }
      at = to;
    }
    return out + text.slice(at);
  }

  private candidates(groups: number): void {
    this.groupCount = groups;
    const g = this.groups;
    let done = 0; // digits before this index are in a masked candidate already
    for (let k = 0; k < groups; k++) {
      const start = g[k]!;
      if (start < done) continue;
      let found = false;
      for (let h = groups; h > k; h--) {
        const length = g[h]! - start;
        if (length > PAN_MAX_DIGITS) continue;
        if (length < PAN_MIN_DIGITS) break;
        if (h - k > 1 && !this.cardLayout(k, h)) continue;
        if (this.isPan(start, length)) {
          this.add(start, length);
          done = start + length;
          found = true;
          break;
        }
      }
      if (found) continue;
      // an ISO 8583 LLVAR inside this run
      const end = g[k + 1]!;
      const d = this.digits;
      for (let at = Math.max(start, done); at + 2 + PAN_MIN_DIGITS <= end; at++) {
        const length = d[at]! * 10 + d[at + 1]!;
        if (length < PAN_MIN_DIGITS || length > PAN_MAX_DIGITS || at + 2 + length > end) continue;
        if (this.isPan(at + 2, length)) {
          this.add(at + 2, length);
          done = at + 2 + length;
          at = done - 1;
        }
      }
    }
  }

  /**
   * Groups k..h-1 are laid out as cards print them: 4 digits first, then groups of 4 or
   * 6, the last of 1 to 5 (4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3, ...), and are not part of a
   * longer list of 4- or 6-digit groups. Space-separated numbers of other lengths
   * (thousands, phone numbers) and lists of 4-digit numbers are not joined.
   */
  private cardLayout(k: number, h: number): boolean {
    const g = this.groups;
    // not part of a longer list of such groups (a list of 4-digit numbers is no card)
    if (k > 0 && this.cardGroup(k - 1)) return false;
    if (h < this.groupCount && this.cardGroup(h)) return false;
    if (g[k + 1]! - g[k]! !== 4) return false;
    for (let j = k + 1; j < h - 1; j++) {
      const length = g[j + 1]! - g[j]!;
      if (length !== 4 && length !== 6) return false;
    }
    const last = g[h]! - g[h - 1]!;
    return last >= 1 && last <= 5;
  }

  private cardGroup(j: number): boolean {
    const length = this.groups[j + 1]! - this.groups[j]!;
    return length === 4 || length === 6;
  }

  private isPan(start: number, length: number): boolean {
    if (this.anyBrand) return luhnValid(this.digits, start, length);
    // No brand starts with this digit: no Luhn check (timestamps and ids start with 1).
    return (
      FIRST_DIGITS[this.digits[start]!] === 1 &&
      luhnValid(this.digits, start, length) &&
      panBrand(this.digits, start, length) !== undefined
    );
  }

  private add(start: number, length: number): void {
    if (2 * this.count + 2 > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    this.spans[2 * this.count] = this.positions[start + KEEP_FIRST]!;
    this.spans[2 * this.count + 1] = this.positions[start + length - KEEP_LAST]!;
    this.count++;
  }

  private grow(): void {
    const digits = new Uint8Array(this.digits.length * 2);
    digits.set(this.digits);
    this.digits = digits;
    const positions = new Int32Array(this.positions.length * 2);
    positions.set(this.positions);
    this.positions = positions;
  }

  private growGroups(): void {
    const grown = new Int32Array(this.groups.length * 2);
    grown.set(this.groups);
    this.groups = grown;
  }
}
