import { describe, expect, it } from 'vitest';
import {
  FieldError,
  type LogRecordInput,
  MAX_DATAGRAM_BYTES,
  type ProtocolError,
  recordByteLength,
} from '../src/index.js';

const good: LogRecordInput = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app', msg: 'hello' };

function codeOf(rec: Partial<Record<keyof LogRecordInput, unknown>>): string | undefined {
  try {
    recordByteLength({ ...good, ...rec } as LogRecordInput);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(FieldError);
    return (err as ProtocolError).code;
  }
}

describe('recordByteLength (the check log() runs)', () => {
  it('returns the encoded size: 19 + fields + msg bytes', () => {
    expect(recordByteLength(good)).toBe(19 + 4 + 3 + 3 + 5);
    expect(recordByteLength({ ...good, msg: 'é✓😀', reserved: new Uint8Array(7) })).toBe(
      19 + 10 + 7 + 2 + 3 + 4,
    );
    expect(recordByteLength({ ...good, msg: new Uint8Array(300) })).toBe(19 + 10 + 300);
  });

  it.each([
    [{ sysId: 'PAYME' }, 'ERR_PROTOCOL_FIELD_TOO_LONG'],
    [{ sysId: '' }, 'ERR_PROTOCOL_FIELD_EMPTY'],
    [{ sysId: 'P-1' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ sysId: 'PÄY' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ sysId: 'P☃' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ sysId: 42 }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ msgType: 'XMLS1' }, 'ERR_PROTOCOL_FIELD_TOO_LONG'],
    [{ msgType: 'X L' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ fileName: '../x' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ fileName: '..' }, 'ERR_PROTOCOL_BAD_FILE_NAME'],
    [{ fileName: '.hidden' }, 'ERR_PROTOCOL_BAD_FILE_NAME'],
    [{ fileName: 'a/b' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ fileName: 'a\\b' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ fileName: 'a\0' }, 'ERR_PROTOCOL_BAD_CHARSET'],
    [{ fileName: 'x'.repeat(17) }, 'ERR_PROTOCOL_FIELD_TOO_LONG'],
    [{ fileName: '' }, 'ERR_PROTOCOL_FIELD_EMPTY'],
    [{ level: 7 }, 'ERR_PROTOCOL_BAD_LEVEL'],
    [{ level: -1 }, 'ERR_PROTOCOL_BAD_LEVEL'],
    [{ level: 1.5 }, 'ERR_PROTOCOL_BAD_LEVEL'],
    [{ level: 'info' }, 'ERR_PROTOCOL_BAD_LEVEL'],
    [{ timeUs: -1 }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: 1.5 }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: Number.NaN }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: 2 ** 53 }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: -1n }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: 2n ** 64n }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ timeUs: '5' }, 'ERR_PROTOCOL_BAD_TIME'],
    [{ headLen: 6 }, 'ERR_PROTOCOL_BAD_HEAD_LEN'],
    [{ headLen: -1 }, 'ERR_PROTOCOL_BAD_HEAD_LEN'],
    [{ headLen: 0x10000 }, 'ERR_PROTOCOL_BAD_HEAD_LEN'],
    [{ reserved: new Uint8Array(81) }, 'ERR_PROTOCOL_FIELD_TOO_LONG'],
    [{ reserved: 'abc' }, 'ERR_PROTOCOL_BAD_MESSAGE'],
    [{ msg: 42 }, 'ERR_PROTOCOL_BAD_MESSAGE'],
    [{ msg: null }, 'ERR_PROTOCOL_BAD_MESSAGE'],
  ])('refuses %o with %s', (rec, code) => {
    expect(codeOf(rec)).toBe(code);
  });

  it('measures head_len against UTF-8 bytes, not UTF-16 units', () => {
    // 'éé' is 2 units and 4 bytes: head_len 4 fits, 5 does not.
    expect(codeOf({ msg: 'éé', headLen: 4 })).toBeUndefined();
    expect(codeOf({ msg: 'éé', headLen: 5 })).toBe('ERR_PROTOCOL_BAD_HEAD_LEN');
  });

  it('accepts every boundary value', () => {
    expect(codeOf({ sysId: 'a_Z9', msgType: '8583', fileName: 'A-b.c_9'.padEnd(16, 'x') })).toBeUndefined();
    expect(
      codeOf({ level: 6, timeUs: 2 ** 53 - 1, headLen: 5, reserved: new Uint8Array(80) }),
    ).toBeUndefined();
    expect(codeOf({ msg: '' })).toBeUndefined();
  });

  it('refuses a record no datagram can hold, counting header and trailer', () => {
    const most = MAX_DATAGRAM_BYTES - 16 - (19 + 10);
    expect(recordByteLength({ ...good, msg: new Uint8Array(most) })).toBe(MAX_DATAGRAM_BYTES - 16);
    expect(codeOf({ msg: new Uint8Array(most + 1) })).toBe('ERR_PROTOCOL_RECORD_TOO_LARGE');
    expect(codeOf({ msg: 'é'.repeat(most / 2 + 1) })).toBe('ERR_PROTOCOL_RECORD_TOO_LARGE');
    const signed = { authenticated: true };
    expect(recordByteLength({ ...good, msg: new Uint8Array(most - 16) }, signed)).toBe(
      MAX_DATAGRAM_BYTES - 32,
    );
    expect(() => recordByteLength({ ...good, msg: new Uint8Array(most - 15) }, signed)).toThrow(
      expect.objectContaining({ code: 'ERR_PROTOCOL_RECORD_TOO_LARGE' }),
    );
  });
});
