import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryBytes, frameArgs, mutatedFrames, record } from '../../../test/support/datagram-fuzz.js';
import {
  BatchWriter,
  decodeFrame,
  encodeAck,
  encodeControlFrame,
  encodeLogFrame,
  encodePing,
  encodePong,
  Flag,
  type Frame,
  Kind,
  type LogRecordInput,
  ProtocolError,
  RecordCursor,
} from '../src/index.js';

/**
 * Case counts. CI runs the defaults (100,000 fuzz cases across the two fuzz
 * properties); `pnpm test:fuzz` sets CLOGS_FUZZ_RUNS=1000000 for a longer local run.
 */
const FUZZ_RUNS = Number(process.env['CLOGS_FUZZ_RUNS'] ?? 100_000);
const SEED =
  process.env['CLOGS_FUZZ_SEED'] === undefined ? undefined : Number(process.env['CLOGS_FUZZ_SEED']);
const runs = (n: number) => (SEED === undefined ? { numRuns: n } : { numRuns: n, seed: SEED });

const bytesOf = (msg: string | Uint8Array) => (typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg));

/**
 * Re-encodes an accepted datagram from what the decoder read (through the cursor, whose
 * time words are exact over the whole u64 range). The wire format is canonical, so the
 * bytes must come back identical: a decoder that accepted something the spec forbids,
 * or misread a field, fails here.
 */
function reencode(bytes: Buffer, frame: Frame): Buffer {
  if (frame.kind !== Kind.LOG && frame.version === 1)
    return encodeControlFrame(frame.kind, frame.sender, frame.seq);
  if (frame.kind === Kind.PING) return encodePing(frame.sender, frame.seq);
  if (frame.kind === Kind.PONG) return encodePong(frame.sender, frame.seq, frame.pong!);
  if (frame.kind === Kind.ACK) return encodeAck(frame.sender, frame.ranges, frame.count);
  const cursor = new RecordCursor().reset(bytes, frame);
  const records: LogRecordInput[] = [];
  while (cursor.next()) records.push({ ...cursor.toRecord(true), timeUs: cursor.timeUsBigInt() });
  return encodeLogFrame(records, {
    sender: frame.sender,
    seq: frame.seq,
    flags: frame.flags & Flag.ACK_WANTED,
    version: frame.version,
  });
}

/** Decodes; anything thrown must be a ProtocolError; whatever is accepted must re-encode to the same bytes. */
function decodeOnlyProtocolErrors(bytes: Uint8Array): void {
  let frame: Frame;
  try {
    frame = decodeFrame(bytes);
  } catch (err) {
    if (err instanceof ProtocolError) return;
    throw err;
  }
  expect(reencode(Buffer.from(bytes), frame).equals(Buffer.from(bytes))).toBe(true);
}

describe('properties', () => {
  it('decode(encode(x)) == x for arbitrary valid batches', () => {
    fc.assert(
      fc.property(frameArgs, fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 })), (args, key) => {
        const frame = encodeLogFrame(args.records, {
          sender: args.sender,
          seq: args.seq,
          flags: args.ackWanted ? Flag.ACK_WANTED : 0,
          key: key ?? undefined,
        });
        const decoded = decodeFrame(frame, { key: key ?? undefined });
        expect(decoded).toMatchObject({
          kind: Kind.LOG,
          count: args.records.length,
          sender: args.sender,
          seq: args.seq,
          ackWanted: args.ackWanted,
          authenticated: key !== null,
        });
        expect(decoded.records).toEqual(
          args.records.map((r) => ({
            sysId: r.sysId,
            msgType: r.msgType,
            fileName: r.fileName,
            level: r.level,
            timeUs: r.timeUs,
            headLen: r.headLen,
            reserved: Buffer.from(r.reserved!),
            msg: bytesOf(r.msg),
          })),
        );
      }),
      runs(Math.max(1000, FUZZ_RUNS / 10)),
    );
  });

  it('a BatchWriter splits any record stream into frames within budget, in order, losing none', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 60, max: 2000 }),
        (recs, max) => {
          const w = new BatchWriter({ sender: 1, maxDatagramBytes: max });
          const frames: Buffer[] = [];
          let seq = 0;
          for (const r of recs) {
            if (!w.append(r)) {
              frames.push(Buffer.from(w.finish(seq++)));
              w.reset();
              expect(w.append(r)).toBe(true);
            }
          }
          frames.push(Buffer.from(w.finish(seq)));
          const out = frames.flatMap((f) => decodeFrame(f).records);
          expect(out.map((r) => r.msg)).toEqual(recs.map((r) => bytesOf(r.msg)));
          for (const f of frames) {
            // only a frame holding a single oversized record may exceed the budget
            if (f.length > max) expect(decodeFrame(f).count).toBe(1);
          }
        },
      ),
      runs(Math.max(500, FUZZ_RUNS / 50)),
    );
  });

  it('every truncation of a valid frame is rejected as truncated', () => {
    fc.assert(
      fc.property(frameArgs, (args) => {
        const frame = encodeLogFrame(args.records, { sender: args.sender, seq: args.seq });
        for (let n = 0; n < frame.length; n++) {
          expect(() => decodeFrame(frame.subarray(0, n))).toThrow(
            expect.objectContaining({ code: 'ERR_PROTOCOL_TRUNCATED' }),
          );
        }
      }),
      runs(Math.max(200, FUZZ_RUNS / 200)),
    );
  });

  it('every truncation of a signed frame is rejected', () => {
    const key = Buffer.from('k');
    fc.assert(
      fc.property(frameArgs, (args) => {
        const frame = encodeLogFrame(args.records, { sender: args.sender, seq: args.seq, key });
        for (let n = 0; n < frame.length; n++) {
          expect(() => decodeFrame(frame.subarray(0, n), { key })).toThrow(ProtocolError);
        }
      }),
      runs(Math.max(100, FUZZ_RUNS / 500)),
    );
  });
});

describe('fuzz: decoding throws nothing but ProtocolError', () => {
  it(`arbitrary byte strings (${FUZZ_RUNS / 2} cases)`, () => {
    fc.assert(fc.property(arbitraryBytes, decodeOnlyProtocolErrors), runs(FUZZ_RUNS / 2));
  });

  it(`mutated valid frames (${FUZZ_RUNS / 2} cases)`, () => {
    fc.assert(fc.property(mutatedFrames, decodeOnlyProtocolErrors), runs(FUZZ_RUNS / 2));
  });
});
