import { decodeHeader, encodeLogFrame, type LogRecordInput, RecordCursor } from '@clogs/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineFormatter, maskPan, maxLineBytes, parseLine } from '../src/writer/line-format.js';

/** The lines of one frame, each in a buffer sized by maxLineBytes, so an overrun would show. */
function lines(recs: LogRecordInput[], mask = false): Buffer[] {
  const frame = encodeLogFrame(recs, { sender: 1, seq: 1 });
  const header = decodeHeader(frame);
  const cursor = new RecordCursor().reset(frame, header);
  const formatter = new LineFormatter(mask);
  formatter.begin(frame, 16, header.bodyEnd);
  const out: Buffer[] = [];
  while (cursor.next()) {
    const buf = Buffer.alloc(maxLineBytes(cursor.msgLength, cursor.reservedLength));
    out.push(buf.subarray(0, formatter.line(buf, 0, cursor)));
  }
  return out;
}

const line = (rec: LogRecordInput, mask = false) => lines([rec], mask)[0]!;

const base = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app', level: 3, timeUs: 1_763_883_686_123_456 };

describe('line format', () => {
  it('writes the documented fields', () => {
    expect(line({ ...base, headLen: 2, reserved: Buffer.from([1, 0xab]), msg: 'hi there' }).toString()).toBe(
      '2025-11-23T07:41:26.123456Z INFO PAY1 TXT 2 01ab hi there\n',
    );
    expect(line({ ...base, level: 0, timeUs: 0, msg: '' }).toString()).toBe(
      '1970-01-01T00:00:00.000000Z UNSET PAY1 TXT 0 - \n',
    );
  });

  it('escapes backslash, LF and CR so a record is exactly one line', () => {
    const out = line({ ...base, msg: 'a\\b\nc\rd\r\n' });
    expect(out.toString()).toMatch(/ a\\\\b\\nc\\rd\\r\\n\n$/);
    expect(out.indexOf(0x0a)).toBe(out.length - 1);
  });

  it('writes times past the year 9999 as @ and the exact time_us', () => {
    expect(line({ ...base, timeUs: 2n ** 64n - 1n, msg: 'x' }).toString()).toMatch(
      /^@18446744073709551615 INFO /,
    );
    expect(parseLine(line({ ...base, timeUs: 2n ** 64n - 1n, msg: 'x' }).subarray(0, -1))?.timeUs).toBe(
      2n ** 64n - 1n,
    );
  });

  it('parses back to the exact records of any frame, whatever bytes its messages hold', () => {
    const record = fc
      .record({
        msg: fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom('plain text', 'a\nb', '\\', '\r\n', ''),
        ),
        reserved: fc.uint8Array({ maxLength: 80 }),
        level: fc.integer({ min: 0, max: 6 }),
        // times whose bytes include LF, CR and "\\": such bytes outside a message must not count
        timeUs: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.constant(0x0a0d5c0a0d5cn)),
        head: fc.nat(),
      })
      .map((r) => ({ ...base, ...r, headLen: Math.min(r.head, Buffer.byteLength(r.msg)) }));
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (recs) => {
        const out = lines(recs);
        expect(out).toHaveLength(recs.length);
        out.forEach((l, i) => {
          const r = recs[i]!;
          expect(l.indexOf(0x0a)).toBe(l.length - 1);
          expect(parseLine(l.subarray(0, -1))).toEqual({
            timeUs: r.timeUs,
            level: r.level,
            sysId: 'PAY1',
            msgType: 'TXT',
            headLen: r.headLen,
            reserved: Buffer.from(r.reserved),
            msg: Buffer.from(r.msg),
          });
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses lines not in the format', () => {
    for (const bad of [
      '',
      'only three fields',
      '2025-11-23T07:41:26.123456Z LOUD A B 0 - x',
      // the level field holds a name as the writer writes it: no alias, number or lower case
      '2025-11-23T07:41:26.123456Z WARNING A B 0 - x',
      '2025-11-23T07:41:26.123456Z 4 A B 0 - x',
      '2025-11-23T07:41:26.123456Z warn A B 0 - x',
      '2025 INFO A B 0 - x',
    ]) {
      expect(parseLine(Buffer.from(bad))).toBeUndefined();
    }
    expect(parseLine(Buffer.from('2025-11-23T07:41:26.123456Z INFO A B 0 - bad\\escape'))).toBeUndefined();
  });
});

describe('PAN masking', () => {
  const mask = (s: string) => {
    const b = Buffer.from(s);
    maskPan(b, 0, b.length);
    return b.toString();
  };

  it('keeps the first 6 and last 4 digits of 13 to 19 digit runs', () => {
    expect(mask('card=4111111111111111;')).toBe('card=411111******1111;');
    expect(mask('1234567890123')).toBe('123456***0123');
    expect(mask('1234567890123456789')).toBe('123456*********6789');
  });

  it('leaves shorter and longer digit runs alone', () => {
    expect(mask('amount 123456789012 ok')).toBe('amount 123456789012 ok');
    expect(mask('12345678901234567890')).toBe('12345678901234567890');
  });

  it('masks only after head_len in a line', () => {
    const out = line({ ...base, headLen: 16, msg: '4111111111111111 4111111111111111' }, true).toString();
    expect(out).toMatch(/ 4111111111111111 411111\*{6}1111\n$/);
  });
});

describe('maxLineBytes', () => {
  it('is enough for the longest line of every shape (the writer sizes its room by it)', () => {
    for (const timeUs of [0, 253_402_300_799_999_999n, 2n ** 64n - 1n]) {
      for (const reserved of [Buffer.alloc(0), Buffer.alloc(80, 0xff)]) {
        for (const msg of [Buffer.alloc(0), Buffer.alloc(50, 0x0a)]) {
          const r = {
            ...base,
            sysId: 'ABCD',
            msgType: 'WXYZ',
            level: 6,
            timeUs,
            headLen: 65535 > msg.length ? msg.length : 0,
            reserved,
            msg,
          };
          const frame = encodeLogFrame([r], { sender: 1, seq: 1 });
          const cursor = new RecordCursor().reset(frame, decodeHeader(frame));
          cursor.next();
          const room = maxLineBytes(cursor.msgLength, cursor.reservedLength);
          const formatter = new LineFormatter(false);
          formatter.begin(frame, 16, frame.length);
          const out = Buffer.alloc(room + 64);
          expect(formatter.line(out, 0, cursor)).toBeLessThanOrEqual(room);
        }
      }
    }
  });
});
