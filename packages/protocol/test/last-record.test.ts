import { describe, expect, it } from 'vitest';
import { BatchWriter, decodeHeader, type FrameHeader, RecordCursor } from '../src/index.js';

const rec = (msg: string) => ({
  sysId: 'S1',
  msgType: 'TXT',
  fileName: 'f',
  msg,
  timeUs: 1_700_000_000_000_000,
});

/** The one record in `bytes` (a body of one record), read back by the cursor. */
function readOne(bytes: Buffer): string {
  const c = new RecordCursor().reset(bytes, { count: 1, bodyStart: 0, bodyEnd: bytes.length } as FrameHeader);
  expect(c.next()).toBe(true);
  const msg = c.toRecord(true).msg.toString();
  expect(c.next(), 'nothing after the record').toBe(false);
  return msg;
}

describe('BatchWriter.lastRecord', () => {
  it('is the bytes of the record the last append() wrote: the end of the frame body', () => {
    const w = new BatchWriter({ sender: 1 });
    w.append(rec('first'));
    w.append(rec('second one'));
    const last = Buffer.from(w.lastRecord);
    expect(readOne(last)).toBe('second one');
    const frame = w.finish(1);
    const h = decodeHeader(frame);
    expect(frame.subarray(h.bodyEnd - last.length, h.bodyEnd).equals(last)).toBe(true);
  });

  it('in a sealed layout, and for a record too big for the budget (a frame of its own)', () => {
    const sealed = new BatchWriter({ sender: 1, sealed: true });
    sealed.append(rec('sealed layout'));
    expect(readOne(Buffer.from(sealed.lastRecord))).toBe('sealed layout');
    const small = new BatchWriter({ sender: 1, maxDatagramBytes: 200 });
    const big = 'x'.repeat(500);
    small.append(rec(big));
    expect(readOne(Buffer.from(small.lastRecord))).toBe(big);
  });
});
