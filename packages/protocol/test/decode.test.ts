import { describe, expect, it } from 'vitest';
import {
  AuthError,
  decodeFrame,
  decodeHeader,
  encodeLogFrame,
  FieldError,
  FrameDecoder,
  FrameError,
  Kind,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  RecordCursor,
} from '../src/index.js';
import { FrameBuilder } from './support.js';

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw new Error(`expected a ProtocolError, got ${String(err)}`);
  }
  throw new Error('expected a throw');
}

const log = (...records: Parameters<FrameBuilder['record']>[0][]) => {
  const b = new FrameBuilder().header(Kind.LOG, 0, records.length, 7, 1);
  for (const r of records) b.record(r);
  return b.build();
};

describe('decodeFrame', () => {
  it('reads every field of a hand-built record', () => {
    const bytes = log({
      sysId: 'AB_1',
      msgType: '8583',
      fileName: 'x.y-z',
      level: 6,
      timeUs: 0x0012_3456_789a_bcden,
      headLen: 2,
      reserved: Buffer.from([9, 8]),
      msg: 'ab\ncd',
    });
    const frame = decodeFrame(bytes);
    expect(frame).toMatchObject({ kind: Kind.LOG, count: 1, sender: 7, seq: 1, ackWanted: false });
    expect(frame.records[0]).toEqual({
      sysId: 'AB_1',
      msgType: '8583',
      fileName: 'x.y-z',
      level: 6,
      timeUs: 0x0012_3456_789a_bcde,
      headLen: 2,
      reserved: Buffer.from([9, 8]),
      msg: Buffer.from('ab\ncd'),
    });
  });

  it('gives views into the datagram by default and copies when asked', () => {
    const bytes = log({ msg: 'view' });
    const view = decodeFrame(bytes).records[0]!.msg;
    const copy = decodeFrame(bytes, { copy: true }).records[0]!.msg;
    bytes[bytes.length - 1] = 0x58; // 'X'
    expect(view.toString()).toBe('vieX');
    expect(copy.toString()).toBe('view');
  });

  it('accepts a plain Uint8Array over a shared ArrayBuffer', () => {
    const bytes = log({ msg: 'u8' });
    const big = new Uint8Array(bytes.length + 8);
    big.set(bytes, 4);
    const frame = decodeFrame(big.subarray(4, 4 + bytes.length));
    expect(frame.records[0]!.msg.toString()).toBe('u8');
  });

  it('names the field and the offset of the broken rule', () => {
    const bytes = log({}, { sysId: 'TOOLONG' });
    const err = thrown(() => decodeFrame(bytes));
    expect(err).toBeInstanceOf(FieldError);
    expect(err.code).toBe('ERR_PROTOCOL_FIELD_TOO_LONG');
    expect(err.field).toBe('sys_id');
    // the second record starts after the first: 16 header + 19 + 3 + 3 + 3 + 2 ("hi")
    expect(err.offset).toBe(16 + 30);
    expect(err.message).toContain('offset 46');
  });

  it('refuses a LOG frame with one bad record as a whole', () => {
    expect(thrown(() => decodeFrame(log({}, {}, { level: 9 }))).code).toBe('ERR_PROTOCOL_BAD_LEVEL');
  });

  it('refuses a datagram that is not bytes with a ProtocolError', () => {
    expect(thrown(() => decodeFrame('CL' as never)).code).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(thrown(() => decodeFrame(null as never)).code).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });

  it('refuses datagrams larger than UDP allows', () => {
    const err = thrown(() => decodeFrame(Buffer.alloc(MAX_DATAGRAM_BYTES + 1)));
    expect(err).toBeInstanceOf(FrameError);
    expect(err.code).toBe('ERR_PROTOCOL_DATAGRAM_TOO_LARGE');
  });

  it('refuses an AUTH flag on a datagram too short for the trailer', () => {
    const bytes = new FrameBuilder().header(Kind.PING, 2, 0, 1, 1).bytes(Buffer.alloc(15)).build();
    expect(thrown(() => decodeFrame(bytes, { allowUnverified: true })).code).toBe('ERR_PROTOCOL_TRUNCATED');
  });

  it('strips an unverified trailer only when told to', () => {
    const bytes = new FrameBuilder().header(Kind.PING, 2, 0, 1, 3).bytes(Buffer.alloc(16)).build();
    expect(thrown(() => decodeFrame(bytes))).toBeInstanceOf(AuthError);
    expect(decodeFrame(bytes, { allowUnverified: true })).toMatchObject({
      kind: Kind.PING,
      seq: 3,
      authenticated: false,
    });
  });

  it('checks head_len against msg_len, not the frame', () => {
    const err = thrown(() => decodeFrame(log({ headLen: 3, msg: 'ab' })));
    expect(err.code).toBe('ERR_PROTOCOL_BAD_HEAD_LEN');
    expect(err.offset).toBe(16 + 1 + 3 + 1 + 3 + 1 + 3 + 1 + 8);
  });

  it('refuses a msg_len that points past the end even when huge', () => {
    expect(thrown(() => decodeFrame(log({ msgLen: 0xffff_ffff }))).code).toBe('ERR_PROTOCOL_TRUNCATED');
  });

  it('accepts an empty message and the largest field sizes', () => {
    const frame = decodeFrame(
      log({
        sysId: 'ABCD',
        msgType: 'WXYZ',
        fileName: 'a'.repeat(16),
        reserved: Buffer.alloc(80, 1),
        msg: '',
      }),
    );
    expect(frame.records[0]).toMatchObject({ fileName: 'a'.repeat(16), msg: Buffer.alloc(0) });
    expect(frame.records[0]!.reserved.length).toBe(80);
  });

  it('reads u32 sender and seq above 2^31 as positive numbers', () => {
    const bytes = new FrameBuilder().header(Kind.ACK, 0, 0, 0xffff_fffe, 0x8000_0000).build();
    expect(decodeHeader(bytes)).toMatchObject({ sender: 0xffff_fffe, seq: 0x8000_0000, bodyEnd: 16 });
  });
});

describe('FrameDecoder', () => {
  it('decodes frame after frame as decodeFrame does, a refused one leaving nothing behind', () => {
    const decoder = new FrameDecoder();
    const frames = [
      log({ sysId: 'A', msg: 'one' }, { sysId: 'A', msg: 'two' }),
      log({ sysId: 'BB', fileName: 'other', msg: 'three' }),
      log({ msg: 'fine' }, { level: 9, msg: 'bad' }),
      log({ sysId: 'A', msgType: 'XML', msg: 'four' }),
    ];
    for (const f of frames) {
      let expected: unknown;
      try {
        expected = decodeFrame(f);
      } catch (err) {
        expected = err;
      }
      if (expected instanceof ProtocolError) {
        expect(thrown(() => decoder.decode(f)).code).toBe(expected.code);
      } else {
        expect(decoder.decode(f)).toEqual(expected);
      }
    }
  });
});

describe('RecordCursor', () => {
  it('reads time_us exactly over the whole u64 range', () => {
    for (const t of [0n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const bytes = log({ timeUs: t });
      const cursor = new RecordCursor().reset(bytes, decodeHeader(bytes));
      expect(cursor.next()).toBe(true);
      expect(cursor.timeUsBigInt()).toBe(t);
      expect(cursor.timeUs).toBe(Number(t));
      // and the encoder writes the same bytes from a bigint
      const again = encodeLogFrame([{ ...cursor.toRecord(), timeUs: t }], { sender: 7, seq: 1, version: 1 });
      expect(again).toEqual(bytes);
    }
  });

  it('walks records in place and reports trailing bytes at the end', () => {
    const bytes = Buffer.concat([log({ msg: 'one' }, { msg: 'two', fileName: 'other' }), Buffer.from([0])]);
    bytes[7] = 2;
    const header = decodeHeader(bytes);
    const cursor = new RecordCursor().reset(bytes, header);
    const seen: string[] = [];
    expect(() => {
      while (cursor.next()) seen.push(`${cursor.fileName}:${cursor.msg().toString()}`);
    }).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL_TRAILING_BYTES' }));
    expect(seen).toEqual(['app:one', 'other:two']);
  });

  it('exposes the message as offsets into the datagram (no copy)', () => {
    const bytes = log({ msg: 'abc' });
    const cursor = new RecordCursor().reset(bytes, decodeHeader(bytes));
    expect(cursor.next()).toBe(true);
    expect(cursor.msg().buffer).toBe(bytes.buffer);
    expect(bytes.subarray(cursor.msgOffset, cursor.msgOffset + cursor.msgLength).toString()).toBe('abc');
    expect(cursor.next()).toBe(false);
  });
});

describe('input that is not a Buffer', () => {
  it('decodeHeader refuses non-bytes with a ProtocolError', () => {
    expect(thrown(() => decodeHeader(null as never)).code).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    const array = [0x43, 0x4c, 1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(thrown(() => decodeHeader(array as never)).code).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });

  it('RecordCursor reads a plain Uint8Array exactly as a Buffer', () => {
    const bytes = log({ fileName: 'payments.log', msg: 'plain' });
    const u8 = new Uint8Array(bytes);
    const cursor = new RecordCursor().reset(u8, decodeHeader(u8));
    expect(cursor.next()).toBe(true);
    expect(cursor.fileName).toBe('payments.log');
    expect(Buffer.isBuffer(cursor.msg())).toBe(true);
    expect(cursor.msg().toString()).toBe('plain');
  });
});
