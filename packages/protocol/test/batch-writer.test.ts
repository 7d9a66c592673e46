import { describe, expect, it } from 'vitest';
import {
  BatchWriter,
  DEFAULT_MAX_DATAGRAM_BYTES,
  decodeFrame,
  encodeLogFrame,
  FieldError,
  Flag,
  Kind,
  type LogRecordInput,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  recordByteLength,
} from '../src/index.js';

const rec = (msg: string | Uint8Array, extra: Partial<LogRecordInput> = {}): LogRecordInput => ({
  sysId: 'PAY1',
  msgType: 'TXT',
  fileName: 'app',
  timeUs: 1_700_000_000_000_000,
  msg,
  ...extra,
});
const key = Buffer.from('k3y');

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('BatchWriter', () => {
  it('fills a frame up to maxDatagramBytes and says when the next record does not fit', () => {
    const w = new BatchWriter({ sender: 1, maxDatagramBytes: 200 });
    const r = rec('x'.repeat(40)); // 19 + 10 + 40 = 69 bytes
    expect(w.append(r)).toBe(true);
    expect(w.append(r)).toBe(true);
    expect(w.byteLength).toBe(16 + 2 * 69);
    expect(w.append(r)).toBe(false);
    expect(w.count).toBe(2);
    const frame = w.finish(5);
    expect(frame.length).toBe(16 + 2 * 69);
    const decoded = decodeFrame(frame);
    expect(decoded).toMatchObject({ kind: Kind.LOG, count: 2, sender: 1, seq: 5 });
    expect(decoded.records.map((x) => x.msg.toString())).toEqual(['x'.repeat(40), 'x'.repeat(40)]);
  });

  it('writes multi-byte UTF-8 near the end of the budget exactly', () => {
    const w = new BatchWriter({ sender: 1, maxDatagramBytes: 16 + 19 + 10 + 8 });
    // 4 units, 8 bytes: 3 × length > room, so the exact-length path runs and it still fits.
    expect(w.append(rec('éééé'))).toBe(true);
    expect(decodeFrame(w.finish(1)).records[0]!.msg.toString()).toBe('éééé');
    w.reset();
    expect(w.append(rec('ééééé'))).toBe(true); // 10 bytes: too big for the budget, so a frame of its own
    expect(w.append(rec('a'))).toBe(false);
    expect(decodeFrame(w.finish(2)).records[0]!.msg.toString()).toBe('ééééé');
  });

  it('leaves the frame intact when a record is refused', () => {
    const w = new BatchWriter({ sender: 1 });
    w.append(rec('first'));
    expect(codeOf(() => w.append(rec('bad', { fileName: '../etc' })))).toBe('ERR_PROTOCOL_BAD_CHARSET');
    expect(codeOf(() => w.append(rec('bad', { headLen: 9 })))).toBe('ERR_PROTOCOL_BAD_HEAD_LEN');
    expect(codeOf(() => w.append(rec('é', { headLen: 3 })))).toBe('ERR_PROTOCOL_BAD_HEAD_LEN');
    w.append(rec('second'));
    expect(decodeFrame(w.finish(1)).records.map((x) => x.msg.toString())).toEqual(['first', 'second']);
  });

  it('sends a record larger than the budget alone, in a frame sized exactly', () => {
    const w = new BatchWriter({ sender: 1 });
    w.append(rec('small'));
    const big = rec('b'.repeat(5000));
    expect(w.append(big)).toBe(false);
    w.finish(1);
    w.reset();
    expect(w.append(big)).toBe(true);
    expect(w.append(rec('next'))).toBe(false);
    const frame = w.finish(2);
    expect(frame.length).toBe(16 + recordByteLength(big));
    expect(decodeFrame(frame).records).toHaveLength(1);
    w.reset();
    expect(w.append(rec('next'))).toBe(true);
    expect(w.byteLength).toBeLessThanOrEqual(DEFAULT_MAX_DATAGRAM_BYTES);
  });

  it('takes the largest record a datagram can hold and refuses one byte more', () => {
    const w = new BatchWriter({ sender: 1 });
    const most = MAX_DATAGRAM_BYTES - 16 - (19 + 10);
    expect(w.append(rec(Buffer.alloc(most)))).toBe(true);
    expect(w.finish(1).length).toBe(MAX_DATAGRAM_BYTES);
    w.reset();
    expect(codeOf(() => w.append(rec(Buffer.alloc(most + 1))))).toBe('ERR_PROTOCOL_RECORD_TOO_LARGE');
    const signed = new BatchWriter({ sender: 1, key });
    expect(codeOf(() => signed.append(rec(Buffer.alloc(most - 15))))).toBe('ERR_PROTOCOL_RECORD_TOO_LARGE');
    expect(signed.append(rec(Buffer.alloc(most - 16)))).toBe(true);
    expect(signed.finish(1).length).toBe(MAX_DATAGRAM_BYTES);
  });

  it('signs frames with the key and keeps the trailer inside the budget', () => {
    const w = new BatchWriter({ sender: 9, key, maxDatagramBytes: 120 });
    while (w.append(rec('fill'))) {
      // fill
    }
    const frame = w.finish(3, Flag.ACK_WANTED);
    expect(frame.length).toBeLessThanOrEqual(120);
    const decoded = decodeFrame(frame, { key });
    expect(decoded).toMatchObject({
      authenticated: true,
      ackWanted: true,
      flags: Flag.ACK_WANTED | Flag.AUTH,
    });
    expect(codeOf(() => decodeFrame(frame, { key: Buffer.from('other') }))).toBe('ERR_PROTOCOL_BAD_AUTH');
  });

  it('writes into a buffer handed over at reset, leaving the sent frame untouched', () => {
    const w = new BatchWriter({ sender: 1 });
    w.append(rec('one'));
    const first = w.finish(1);
    const next = Buffer.alloc(DEFAULT_MAX_DATAGRAM_BYTES);
    w.reset(next);
    w.append(rec('two'));
    const second = w.finish(2);
    expect(second.buffer).toBe(next.buffer);
    expect(decodeFrame(first).records[0]!.msg.toString()).toBe('one');
    expect(decodeFrame(second).records[0]!.msg.toString()).toBe('two');
    expect(codeOf(() => w.reset(Buffer.alloc(10)))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });

  it('keeps its state when a record read twice on the oversize path throws or grows', () => {
    const w = new BatchWriter({ sender: 1 });
    let reads = 0;
    const flaky = {
      msgType: 'TXT',
      fileName: 'app',
      msg: 'x'.repeat(5000),
      get sysId() {
        return reads++ === 0 ? 'A' : 'bad!';
      },
    };
    expect(codeOf(() => w.append(flaky))).toBe('ERR_PROTOCOL_BAD_CHARSET');
    while (w.append(rec('y'.repeat(100)))) {
      // fill: the budget must still be the writer's, not the failed record's
    }
    expect(w.finish(1).length).toBeLessThanOrEqual(DEFAULT_MAX_DATAGRAM_BYTES);
    w.reset();
    let msgReads = 0;
    const growing = {
      sysId: 'A',
      msgType: 'TXT',
      fileName: 'app',
      get msg() {
        return 'x'.repeat(2000 + msgReads++);
      },
    };
    expect(codeOf(() => w.append(growing))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(w.count).toBe(0);
    expect(w.append(rec('ok'))).toBe(true);
    expect(decodeFrame(w.finish(2)).records[0]!.msg.toString()).toBe('ok');
  });

  it("checks a writer's first record even when its fields are null, whatever other writers saw", () => {
    // Another writer has checked valid fields: what it remembers must not excuse this one.
    new BatchWriter({ sender: 1 }).append(rec('x'));
    for (const field of ['sysId', 'msgType', 'fileName'] as const) {
      const w = new BatchWriter({ sender: 1 });
      let error: unknown;
      try {
        w.append({ ...rec('x'), [field]: null as never });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(FieldError);
      expect((error as ProtocolError).code).toBe('ERR_PROTOCOL_BAD_CHARSET');
    }
  });

  it('refuses misuse with ERR_PROTOCOL_BAD_ARGUMENT', () => {
    expect(codeOf(() => new BatchWriter({ sender: -1 }))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => new BatchWriter({ sender: 2 ** 32 }))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => new BatchWriter({ sender: 1, maxDatagramBytes: 37 }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    expect(codeOf(() => new BatchWriter({ sender: 1, maxDatagramBytes: 65_508 }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    expect(codeOf(() => new BatchWriter({ sender: 1, key: new Uint8Array(0) }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    const w = new BatchWriter({ sender: 1 });
    expect(codeOf(() => w.finish(1))).toBe('ERR_PROTOCOL_BAD_COUNT');
    w.append(rec('x'));
    expect(codeOf(() => w.finish(2 ** 32))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => w.finish(1, Flag.AUTH))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => w.finish(1, 2 ** 32 + 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => w.finish(1, Number.NaN))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    w.finish(1);
    expect(codeOf(() => w.append(rec('late')))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(codeOf(() => w.finish(2))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });

  it('stamps the current time when timeUs is omitted', () => {
    const before = Date.now() * 1000;
    const frame = encodeLogFrame([{ sysId: 'A', msgType: 'B', fileName: 'c', msg: 'now' }], {
      sender: 1,
      seq: 1,
    });
    const t = decodeFrame(frame).records[0]!.timeUs;
    expect(t).toBeGreaterThanOrEqual(before - 1000);
    expect(t).toBeLessThanOrEqual(Date.now() * 1000 + 1000);
  });
});
