import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { luhnValid, PanFinder, panBrand, Redactor } from '../src/index.js';
import { ReferencePanFinder } from './pan-reference.js';

const redactor = new Redactor({ pan: true });
/** Masks as a string and as bytes; both must agree. */
function mask(s: string): string {
  const text = redactor.redact(s);
  const bytes = Buffer.from(redactor.redact(Buffer.from(s))).toString();
  expect(bytes).toBe(text);
  return text;
}
const digits = (s: string) => [...s].map(Number);

// Published test numbers of each brand.
const CARDS: [brand: string, pan: string, masked: string][] = [
  ['visa', '4111111111111111', '411111******1111'],
  ['visa', '4012888888881881', '401288******1881'],
  ['visa', '4222222222222', '422222***2222'],
  ['mastercard', '5555555555554444', '555555******4444'],
  ['mastercard', '5105105105105100', '510510******5100'],
  ['mastercard', '2223003122003222', '222300******3222'],
  ['amex', '378282246310005', '378282*****0005'],
  ['amex', '371449635398431', '371449*****8431'],
  ['discover', '6011111111111117', '601111******1117'],
  ['discover', '6011000990139424', '601100******9424'],
  ['diners', '30569309025904', '305693****5904'],
  ['diners', '38520000023237', '385200****3237'],
  ['diners', '36227206271667', '362272****1667'],
  ['jcb', '3530111333300000', '353011******0000'],
  ['jcb', '3566002020360505', '356600******0505'],
  ['unionpay', '6200000000000005', '620000******0005'],
  ['maestro', '6759649826438453', '675964******8453'],
];

describe('card numbers found and masked', () => {
  it.each(CARDS)('%s %s: Luhn-valid, its brand, masked to the first 6 and last 4', (brand, pan, masked) => {
    expect(luhnValid(digits(pan), 0, pan.length)).toBe(true);
    expect(panBrand(digits(pan), 0, pan.length)).toBe(brand);
    expect(mask(pan)).toBe(masked);
    expect(mask(`pan=${pan};`)).toBe(`pan=${masked};`);
  });

  it('masks spaced and dashed forms, keeping the separators', () => {
    expect(mask('card 4111 1111 1111 1111 ok')).toBe('card 4111 11** **** 1111 ok');
    expect(mask('4111-1111-1111-1111')).toBe('4111-11**-****-1111');
    expect(mask('Amex 3782 822463 10005.')).toBe('Amex 3782 82**** *0005.');
    expect(mask('5555 5555 5555 4444 and 6011-1111-1111-1117')).toBe(
      '5555 55** **** 4444 and 6011-11**-****-1117',
    );
    // a number before the card's groups does not hide it
    expect(mask('qty 2 4111 1111 1111 1111')).toBe('qty 2 4111 11** **** 1111');
  });

  it('masks a PAN inside an ASCII ISO 8583 message (LLVAR field 2 among numeric fields)', () => {
    // MTI 0200, a hex bitmap, field 2 = "16" + PAN, field 3 processing code, field 4 amount
    const iso = '02007234054128C28805164111111111111111000000000000010000';
    expect(mask(iso)).toBe('02007234054128C2880516411111******1111000000000000010000');
    expect(mask('0100164012888888881881003000000000001500')).toBe('010016401288******1881003000000000001500');
    expect(mask('msg=02001537828224631000500000000')).toBe('msg=020015378282*****000500000000');
  });

  it('masks in non-ASCII text and in bytes that are not UTF-8, touching no other byte', () => {
    expect(mask('carte n° 4111 1111 1111 1111 ✓')).toBe('carte n° 4111 11** **** 1111 ✓');
    const raw = Buffer.concat([
      Buffer.from([0xff, 0xc3]),
      Buffer.from('4111111111111111'),
      Buffer.from([0x80, 0x00]),
    ]);
    const out = Buffer.from(redactor.redact(raw));
    expect(out).toEqual(
      Buffer.concat([Buffer.from([0xff, 0xc3]), Buffer.from('411111******1111'), Buffer.from([0x80, 0x00])]),
    );
    expect(raw.toString('latin1')).toContain('4111111111111111'); // the caller's bytes are not touched
  });
});

describe('numbers that are not card numbers stay', () => {
  it.each([
    ['a microsecond timestamp', 'ts=1700000000123456'],
    ['a Luhn-valid 16-digit timestamp (prefix 1: no brand)', `ts=${luhnComplete('170000000012345')}`],
    ['an order id failing Luhn', 'order 4111111111111112'],
    ['a phone number', 'call +33 6 12 34 56 78 or +1 (415) 555-2671 or 0033612345678'],
    ['an IP address', 'from 192.168.100.200:40211'],
    ['amounts', 'paid 1,234,567.89 EUR and 000000010000 cents'],
    ['a date and time', '2026-11-23 07:41:26.123456'],
    ['a 12-digit number', '411111111111'],
    ['a 20-digit Luhn-valid run without a length prefix', luhnComplete('4111111111111111111')],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
    ['spaced thousands', 'total 4 111 111 111 111 111 units'],
    // a list of 4-digit numbers is not a card, even where four of them would pass as one
    ['a list of 4-digit numbers', 'buckets 0001 4111 1111 1111 1111 0002'],
  ])('%s', (_, text) => {
    expect(mask(text)).toBe(text);
  });
});

describe('custom patterns', () => {
  it('masks every match with as many * as its UTF-8 bytes, in strings and bytes', () => {
    const r = new Redactor({ patterns: [/secret=\S+/, /é+/g] });
    expect(r.redact('a secret=hunter2 b')).toBe('a ************** b');
    expect(r.redact('café')).toBe('caf**');
    expect(Buffer.byteLength(r.redact('café'))).toBe(Buffer.byteLength('café'));
    expect(Buffer.from(r.redact(Buffer.from('x secret=é y'))).toString()).toBe('x ********* y');
    // bytes that are not UTF-8 are read one character per byte: no byte decoded into another
    const raw = Buffer.from([0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x3d, 0xff, 0xfe, 0x20, 0x80]);
    expect(Buffer.from(r.redact(raw))).toEqual(Buffer.from([...Buffer.from('*********'), 0x20, 0x80]));
    const same = Buffer.from('nothing here');
    expect(r.redact(same)).toBe(same);
  });
});

describe('PanFinder', () => {
  it('agrees with a plain reference on 16-digit runs: the run, or an LLVAR inside it, Luhn-valid with a brand', () => {
    const finder = new PanFinder();
    const pan = (d: number[], at: number, n: number) =>
      luhnValid(d, at, n) && panBrand(d, at, n) !== undefined;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 16 }), (d) => {
        const text = `x ${d.join('')} y`;
        let expected = pan(d, 0, 16);
        for (let at = 0; !expected && at + 15 <= 16; at++) {
          const n = d[at]! * 10 + d[at + 1]!;
          expected = n >= 13 && at + 2 + n <= 16 && pan(d, at + 2, n);
        }
        expect(finder.find(text)).toBe(expected ? 1 : 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('never changes a message length, nor any character but digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('4', '1', '5', '0', ' ', '-', 'a', 'é') }), (s) => {
        const out = redactor.redact(s);
        expect(out.length).toBe(s.length);
        for (let i = 0; i < s.length; i++) if (out[i] !== s[i]) expect(`${s[i]}${out[i]}`).toMatch(/^\d\*$/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('PanFinder against a reference written another way', () => {
  // Digit-heavy text: digits, separators, card numbers whole, spaced and dashed, ISO 8583
  // fields, and characters that end a run (ASCII, Latin-1, a surrogate pair).
  const fragment = fc.oneof(
    fc.constantFrom('0', '1', '4', '5', '9', ' ', '-', '  ', '--', 'x', 'é', '😀', '0200', '16'),
    fc.integer({ min: 0, max: 9 }).map(String),
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 22 }).map((d) => d.join('')),
    fc
      .constantFrom(...CARDS.map(([, pan]) => pan))
      .chain((pan) =>
        fc.constantFrom(pan, pan.replace(/(\d{4})(?=\d)/g, '$1 '), pan.replace(/(\d{4})(?=\d)/g, '$1-')),
      ),
  );
  const text = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));
  const spans = (f: { spans: Int32Array; count: number }) => [...f.spans.subarray(0, 2 * f.count)];

  it.each([false, true])('finds the same spans in text, bytes and code units (anyBrand %s)', (anyBrand) => {
    const finder = new PanFinder({ anyBrand });
    const reference = new ReferencePanFinder({ anyBrand });
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (s, a, b) => {
        const from = s.length === 0 ? 0 : a % (s.length + 1);
        const to = from + (s.length === from ? 0 : b % (s.length - from + 1));
        const units = Uint16Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
        const bytes = Buffer.from(s);
        for (const [src, lo, hi] of [
          [s, 0, s.length],
          [s, from, to],
          [units, from, to],
          [bytes, 0, bytes.length],
        ] as const) {
          expect(finder.find(src, lo, hi)).toBe(reference.find(src, lo, hi));
          expect(spans(finder)).toEqual(spans(reference));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** The digits with a Luhn check digit appended. */
function luhnComplete(body: string): string {
  for (let c = 0; c <= 9; c++) if (luhnValid(digits(body + c), 0, body.length + 1)) return body + c;
  throw new Error('unreachable');
}
