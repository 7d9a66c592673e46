import { decodeHeader, encodeLogFrame, type LogRecordInput, RecordCursor } from '@clogs/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LineFormatter,
  type LineSource,
  maxLineBytes,
  parseLine,
  type Sealed,
} from '../src/writer/line-format.js';

/** The lines of one frame, each in a buffer sized by maxLineBytes, so an overrun would show. */
function lines(recs: LogRecordInput[], mask = false, source?: [LineSource, Sealed]): Buffer[] {
  const frame = encodeLogFrame(recs, { sender: 1, seq: 1 });
  const header = decodeHeader(frame);
  const cursor = new RecordCursor().reset(frame, header);
  const formatter = new LineFormatter({ maskPan: mask, attribution: source !== undefined });
  formatter.begin(frame, 16, header.bodyEnd, source?.[0], source?.[1]);
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

  it('escapes backslash, LF, CR and TAB so a record is exactly one line', () => {
    const out = line({ ...base, msg: 'a\\b\nc\rd\r\n\te' });
    expect(out.toString()).toMatch(/ a\\\\b\\nc\\rd\\r\\n\\te\n$/);
    expect(out.indexOf(0x0a)).toBe(out.length - 1);
  });

  it('writes a terminal attack as visible escapes: no ESC, BEL or other control byte reaches the file', () => {
    const attack = '\x1b[2J\x1b]0;pwned\x07 \x00\x7f \u009b31m done';
    const out = line({ ...base, msg: attack });
    expect(
      out.toString('latin1').endsWith(' \\x1b[2J\\x1b]0;pwned\\x07 \\x00\\x7f \\xc2\\x9b31m done\n'),
    ).toBe(true);
    // the only byte below 0x20 or DEL left is the line's own LF, and no C1 control in UTF-8
    const controls = [...out.subarray(0, -1)].filter((b) => b < 0x20 || b === 0x7f);
    expect(controls).toEqual([]);
    expect(out.toString('utf8')).not.toMatch(/[\u0080-\u009f]/);
    expect(parseLine(out.subarray(0, -1))!.msg.toString()).toBe(attack);
  });

  it('keeps UTF-8 text and bytes 0x80 and up as they came, but for C1 controls', () => {
    const msg = Buffer.concat([Buffer.from('café ☕ '), Buffer.from([0x80, 0x9b, 0xc2, 0xa0, 0xc2])]);
    const out = line({ ...base, msg });
    expect(out.subarray(-msg.length - 1, -1)).toEqual(msg);
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
          // the bytes escapes are made of and around, densely
          fc
            .array(fc.constantFrom(0, 7, 9, 10, 13, 27, 0x5c, 0x78, 0x7f, 0xc2, 0x80, 0x9b, 0x9f, 0xa0), {
              maxLength: 60,
            })
            .map((a) => Uint8Array.from(a)),
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

describe('PAN masking (--mask-pan)', () => {
  it("masks card numbers after head_len only, with the protocol's detector", () => {
    const out = line({ ...base, headLen: 16, msg: '4111111111111111 4111111111111111' }, true).toString();
    expect(out).toMatch(/ 4111111111111111 411111\*{6}1111\n$/);
  });

  it('masks spaced numbers and numbers inside an ISO 8583 message, leaves non-PANs', () => {
    const msg = 'c=4111 1111 1111 1111 iso=0200164012888888881881000000 ts=1700000000123456 id=1234567890123';
    const out = line({ ...base, msg }, true).toString();
    expect(out).toContain(
      ' c=4111 11** **** 1111 iso=020016401288******1881000000 ts=1700000000123456 id=1234567890123\n',
    );
  });

  it('masks before escaping: an escape between digits neither joins nor splits a number', () => {
    const out = line({ ...base, msg: '\x124111111111111111\x01' }, true).toString();
    expect(out).toContain(' \\x12411111******1111\\x01\n');
    expect(line({ ...base, msg: '4111111111111111' }, false).toString()).toContain(' 4111111111111111\n');
  });
});

describe('attribution', () => {
  it('writes the source address, port and seal after the time, and reads them back', () => {
    const cases: [LineSource, Sealed, string][] = [
      [{ address: '127.0.0.1', port: 40211 }, 'signed', '127.0.0.1:40211/signed'],
      [{ address: '::1', port: 5140 }, 'encrypted', '[::1]:5140/encrypted'],
      [{ address: 'fe80::1%eth0', port: 1 }, 'plain', '[fe80::1%eth0]:1/plain'],
    ];
    for (const [remote, sealed, field] of cases) {
      const out = lines([{ ...base, msg: 'INFO x' }], false, [remote, sealed])[0]!;
      expect(out.toString()).toBe(`2025-11-23T07:41:26.123456Z ${field} INFO PAY1 TXT 0 - INFO x\n`);
      expect(parseLine(out.subarray(0, -1))).toMatchObject({
        level: 3,
        msg: Buffer.from('INFO x'),
        source: { address: remote.address, port: remote.port, sealed },
      });
    }
  });

  it('shows no character of an address outside its charset', () => {
    const out = lines([{ ...base, msg: 'x' }], false, [
      { address: 'fe80::1%e\x1bth 0', port: 9 },
      'plain',
    ])[0]!;
    expect(out.toString()).toContain(' [fe80::1%e?th?0]:9/plain INFO ');
  });

  it('refuses a line whose second field is neither a level nor a source', () => {
    expect(
      parseLine(Buffer.from('2025-11-23T07:41:26.123456Z 1.2.3.4:5/sealed INFO A B 0 - x')),
    ).toBeUndefined();
    expect(parseLine(Buffer.from('2025-11-23T07:41:26.123456Z  INFO A B 0 - x'))).toBeUndefined();
  });
});

describe('maxLineBytes', () => {
  it('is enough for the longest line of every shape (the writer sizes its room by it)', () => {
    for (const timeUs of [0, 253_402_300_799_999_999n, 2n ** 64n - 1n]) {
      for (const reserved of [Buffer.alloc(0), Buffer.alloc(80, 0xff)]) {
        for (const msg of [
          Buffer.alloc(0),
          Buffer.alloc(50, 0x0a),
          Buffer.alloc(50, 0x1b),
          Buffer.alloc(50, 0x7f),
        ]) {
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
          const formatter = new LineFormatter({ attribution: true });
          formatter.begin(frame, 16, frame.length, { address: 'f:'.repeat(40), port: 65535 }, 'encrypted');
          const out = Buffer.alloc(room + 64);
          expect(formatter.line(out, 0, cursor)).toBeLessThanOrEqual(room);
        }
      }
    }
  });
});
