import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BatchWriter,
  decodeFrame,
  encodeControlFrame,
  encodeLogFrame,
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

const ID = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_'.split('');
const FILE = [...ID, '.', '-'];
const idString = fc.string({ unit: fc.constantFrom(...ID), minLength: 1, maxLength: 4 });
const fileName = fc
  .tuple(
    fc.constantFrom(...FILE.filter((c) => c !== '.')),
    fc.string({ unit: fc.constantFrom(...FILE), maxLength: 15 }),
  )
  .map(([first, rest]) => first + rest);
const message = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 300 }));

const record: fc.Arbitrary<LogRecordInput> = fc
  .record({
    sysId: idString,
    msgType: idString,
    fileName,
    level: fc.integer({ min: 0, max: 6 }),
    timeUs: fc.maxSafeNat(),
    head: fc.nat(),
    reserved: fc.uint8Array({ maxLength: 80 }),
    msg: message,
  })
  .map(({ head, ...r }) => {
    const bytes = typeof r.msg === 'string' ? Buffer.byteLength(r.msg) : r.msg.length;
    return { ...r, headLen: Math.min(head, bytes, 0xffff) };
  });

const frameArgs = fc.record({
  records: fc.array(record, { minLength: 1, maxLength: 12 }),
  sender: fc.nat({ max: 0xffff_ffff }),
  seq: fc.nat({ max: 0xffff_ffff }),
  ackWanted: fc.boolean(),
});

const bytesOf = (msg: string | Uint8Array) => (typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg));

/**
 * Re-encodes an accepted datagram from what the decoder read (through the cursor, whose
 * time words are exact over the whole u64 range). The wire format is canonical, so the
 * bytes must come back identical: a decoder that accepted something the spec forbids,
 * or misread a field, fails here.
 */
function reencode(bytes: Buffer, frame: Frame): Buffer {
  if (frame.kind !== Kind.LOG) return encodeControlFrame(frame.kind, frame.sender, frame.seq);
  const cursor = new RecordCursor().reset(bytes, frame);
  const records: LogRecordInput[] = [];
  while (cursor.next()) records.push({ ...cursor.toRecord(true), timeUs: cursor.timeUsBigInt() });
  return encodeLogFrame(records, {
    sender: frame.sender,
    seq: frame.seq,
    flags: frame.flags & Flag.ACK_WANTED,
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
  const header = fc.tuple(
    fc.integer({ min: 0, max: 5 }),
    fc.integer({ min: 0, max: 7 }),
    fc.integer({ min: 0, max: 4 }),
    fc.uint8Array({ maxLength: 400 }),
  );
  // Random bytes, and random bytes behind a plausible header, so the body parser is reached too.
  const arbitraryBytes = fc.oneof(
    fc.uint8Array({ maxLength: 400 }),
    header.map(([kind, flags, count, body]) =>
      Buffer.concat([Buffer.from([0x43, 0x4c, 1, kind, flags, 0, 0, count, 1, 2, 3, 4, 0, 0, 0, 1]), body]),
    ),
  );

  it(`arbitrary byte strings (${FUZZ_RUNS / 2} cases)`, () => {
    fc.assert(fc.property(arbitraryBytes, decodeOnlyProtocolErrors), runs(FUZZ_RUNS / 2));
  });

  const mutation = fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
  );

  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

  function mutate(frame: Buffer, mutations: readonly Mutation[]): Buffer {
    let b = Buffer.from(frame);
    for (const m of mutations) {
      const at = b.length === 0 ? 0 : m.at % b.length;
      if (m.op === 'flip' && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
      else if (m.op === 'set' && b.length > 0) b[at] = m.value;
      else if (m.op === 'insert')
        b = Buffer.concat([b.subarray(0, at), Buffer.from([m.value]), b.subarray(at)]);
      else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
      else if (m.op === 'cut') b = b.subarray(0, at);
    }
    return b;
  }

  it(`mutated valid frames (${FUZZ_RUNS / 2} cases)`, () => {
    const frames = fc.oneof(
      frameArgs.map((a) =>
        encodeLogFrame(a.records, { sender: a.sender, seq: a.seq, flags: a.ackWanted ? Flag.ACK_WANTED : 0 }),
      ),
      fc
        .tuple(fc.constantFrom(Kind.PING, Kind.PONG, Kind.ACK), fc.nat({ max: 0xffff_ffff }))
        .map(([kind, seq]) => encodeControlFrame(kind, 7, seq)),
    );
    fc.assert(
      fc.property(frames, fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, mutations) =>
        decodeOnlyProtocolErrors(mutate(frame, mutations)),
      ),
      runs(FUZZ_RUNS / 2),
    );
  });
});
