/*
 * How a message is written in a line, so that a line is one line and a terminal showing
 * it (`tail -f`, `less -R`) runs no control sequence a sender chose:
 *
 * | bytes                         | written as            |
 * |-------------------------------|-----------------------|
 * | `\` (0x5c)                    | `\\`                  |
 * | LF, CR, TAB                   | `\n`, `\r`, `\t`      |
 * | every other C0 byte, DEL      | `\xNN` (lowercase)    |
 * | C2 80..C2 9F (C1 in UTF-8)    | `\xc2\xNN`            |
 * | every other byte              | as it came            |
 *
 * Reading back: `\\`, `\n`, `\r`, `\t` and `\xNN` (two hex digits) give their byte;
 * a `\` followed by anything else is not in the format.
 */

const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Per byte: 0 written as it is, 1 escaped, 2 escaped with the next byte when that is 0x80..0x9f. */
const KIND = new Uint8Array(256);
/** The letter after `\` of a short escape, or 0 for `\xNN`. */
const SHORT = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) KIND[b] = 1;
KIND[0x7f] = 1;
KIND[BACKSLASH] = 1;
KIND[0xc2] = 2;
SHORT[BACKSLASH] = BACKSLASH;
SHORT[0x0a] = 0x6e; // n
SHORT[0x0d] = 0x72; // r
SHORT[0x09] = 0x74; // t

/** Bytes one message byte can take at most once escaped. */
export const MAX_ESCAPED_BYTES_PER_BYTE = 4;

function hexEscape(out: Uint8Array, p: number, b: number): number {
  out[p] = BACKSLASH;
  out[p + 1] = 0x78; // x
  out[p + 2] = HEX[b >>> 4]!;
  out[p + 3] = HEX[b & 15]!;
  return p + 4;
}

/**
 * Writes src[from, to) escaped at `p` in `out` (room: 4 bytes per byte) and returns the
 * position after it. One table lookup per byte; copying in the same loop costs less, for
 * messages of a few hundred bytes, than a scan followed by a native copy (a native call's
 * fixed cost is that of ~50 bytes of loop).
 */
export function writeEscaped(out: Buffer, p: number, src: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const b = src[i]!;
    const kind = KIND[b];
    if (kind === 0) {
      out[p++] = b;
    } else if (kind === 1) {
      const s = SHORT[b]!;
      if (s === 0) {
        p = hexEscape(out, p, b);
      } else {
        out[p++] = BACKSLASH;
        out[p++] = s;
      }
    } else {
      const next = i + 1 < to ? src[i + 1]! : 0;
      if (next < 0x80 || next > 0x9f) {
        out[p++] = b;
      } else {
        p = hexEscape(out, p, b);
        p = hexEscape(out, p, next);
        i++;
      }
    }
  }
  return p;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The bytes an escaped message stands for, or undefined when it is not in the format. */
export function unescapeMessage(body: Uint8Array): Buffer | undefined {
  const msg = Buffer.allocUnsafe(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b !== BACKSLASH) {
      msg[n++] = b;
      continue;
    }
    const e = body[++i];
    if (e === BACKSLASH) msg[n++] = BACKSLASH;
    else if (e === 0x6e) msg[n++] = 0x0a;
    else if (e === 0x72) msg[n++] = 0x0d;
    else if (e === 0x74) msg[n++] = 0x09;
    else if (e === 0x78) {
      const hi = hexValue(body[i + 1]);
      const lo = hexValue(body[i + 2]);
      if (hi < 0 || lo < 0) return undefined;
      msg[n++] = (hi << 4) | lo;
      i += 2;
    } else return undefined;
  }
  return msg.subarray(0, n);
}
