import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  FieldError,
  formatErrorMessage,
  type ProtocolError,
  recordByteLength,
} from '../src/index.js';

const codes = (message: string) => message.match(/\[ERR_[A-Z_]+\]/g) ?? [];

describe('the error format', () => {
  it('is "human text [ERR_CODE]"', () => {
    expect(formatErrorMessage('sys_id is 5 bytes', 'ERR_PROTOCOL_FIELD_TOO_LONG')).toBe(
      'sys_id is 5 bytes [ERR_PROTOCOL_FIELD_TOO_LONG]',
    );
  });

  it('gives a ProtocolError its code once, and the text without it as detail', () => {
    let err: ProtocolError | undefined;
    try {
      recordByteLength({ sysId: 'PAYME', msgType: 'TXT', fileName: 'app', msg: 'x' });
    } catch (e) {
      err = e as ProtocolError;
    }
    expect(err).toBeInstanceOf(FieldError);
    expect(err!.detail).toBe('sys_id is 5 bytes; at most 4 allowed');
    expect(err!.message).toBe(formatErrorMessage(err!.detail, err!.code));
    expect(codes(err!.message)).toEqual(['[ERR_PROTOCOL_FIELD_TOO_LONG]']);
  });

  it('puts a decoding offset in the detail, before the code', () => {
    let err: ProtocolError | undefined;
    try {
      decodeFrame(Buffer.from('XX0000000000000000', 'latin1'));
    } catch (e) {
      err = e as ProtocolError;
    }
    expect(err!.detail).toMatch(/ at offset 0 \(magic\)$/);
    expect(err!.message).toBe(`${err!.detail} [ERR_PROTOCOL_BAD_MAGIC]`);
  });
});
