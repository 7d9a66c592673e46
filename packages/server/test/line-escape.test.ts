import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ESCAPED_BYTES_PER_BYTE, unescapeMessage, writeEscaped } from '../src/writer/line-escape.js';

function escapeBytes(bytes: Uint8Array): Buffer {
  const src = Buffer.from(bytes);
  const out = Buffer.alloc(src.length * MAX_ESCAPED_BYTES_PER_BYTE);
  return out.subarray(0, writeEscaped(out, 0, src, 0, src.length));
}

/** Bytes a terminal acts on: C0, DEL, and C1 controls as UTF-8 writes them (C2 80..C2 9F). */
function controlsIn(b: Buffer): number[] {
  const found: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i]! < 0x20 || b[i] === 0x7f) found.push(b[i]!);
    if (b[i] === 0xc2 && b[i + 1]! >= 0x80 && b[i + 1]! <= 0x9f) found.push(0xc200 | b[i + 1]!);
  }
  return found;
}

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .array(fc.constantFrom(0, 9, 10, 13, 27, 0x5c, 0x6e, 0x78, 0x7f, 0xc2, 0x80, 0x9f, 0xa0, 0x30, 0x61), {
      maxLength: 80,
    })
    .map((a) => Uint8Array.from(a)),
);

describe('message escapes', () => {
  it('round-trips any bytes exactly, and leaves no control byte, LF or unpaired backslash', () => {
    fc.assert(
      fc.property(bytes, (raw) => {
        const escaped = escapeBytes(raw);
        expect(controlsIn(escaped)).toEqual([]);
        expect(unescapeMessage(escaped)).toEqual(Buffer.from(raw));
      }),
      { numRuns: 5000 },
    );
  });

  it('writes each byte in its documented form', () => {
    const table: [number[], string][] = [
      [[0x5c], '\\\\'],
      [[0x0a], '\\n'],
      [[0x0d], '\\r'],
      [[0x09], '\\t'],
      [[0x00], '\\x00'],
      [[0x1b], '\\x1b'],
      [[0x1f], '\\x1f'],
      [[0x7f], '\\x7f'],
      [[0xc2, 0x9b], '\\xc2\\x9b'],
      [[0xc2, 0x80], '\\xc2\\x80'],
    ];
    for (const [raw, form] of table) expect(escapeBytes(Uint8Array.from(raw)).toString('latin1')).toBe(form);
    // printable ASCII, UTF-8 text, lone high bytes and C2 not followed by a C1 byte stay as they came
    for (const raw of [
      Buffer.from(' ~azAZ09'),
      Buffer.from('é ☕ 𝄞'),
      Buffer.from([0x80, 0x9b, 0xc2, 0xa0, 0xff, 0xc2]),
    ]) {
      expect(escapeBytes(raw)).toEqual(raw);
    }
  });

  it('refuses an escape not in the format', () => {
    for (const bad of ['\\', 'a\\q', '\\x', '\\x1', '\\x1g', '\\xAB']) {
      expect(unescapeMessage(Buffer.from(bad, 'latin1'))).toBeUndefined();
    }
  });
});
