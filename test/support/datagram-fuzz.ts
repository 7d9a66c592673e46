/**
 * The datagram fuzzer, shared by the protocol's property tests and the server's
 * malformed-input test: valid records and frames, arbitrary bytes, and valid frames
 * with random mutations (bit flips, byte sets, inserts, deletes, cuts).
 */
import { encodeControlFrame, encodeLogFrame, Flag, Kind, type LogRecordInput } from '@clogs/protocol';
import fc from 'fast-check';

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

/** Any valid record. */
export const record: fc.Arbitrary<LogRecordInput> = fc
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

/** What a valid LOG frame is made of. */
export const frameArgs = fc.record({
  records: fc.array(record, { minLength: 1, maxLength: 12 }),
  sender: fc.nat({ max: 0xffff_ffff }),
  seq: fc.nat({ max: 0xffff_ffff }),
  ackWanted: fc.boolean(),
});

/** Random bytes, and random bytes behind a plausible header, so the body parser is reached too. */
export const arbitraryBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .tuple(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 7 }),
      fc.integer({ min: 0, max: 4 }),
      fc.uint8Array({ maxLength: 400 }),
    )
    .map(([kind, flags, count, body]) =>
      Buffer.concat([Buffer.from([0x43, 0x4c, 1, kind, flags, 0, 0, count, 1, 2, 3, 4, 0, 0, 0, 1]), body]),
    ),
);

export const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
);
export type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

export function mutate(frame: Buffer, mutations: readonly Mutation[]): Buffer {
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

/** Valid LOG, PING, PONG and ACK frames with one to four random mutations each. */
export const mutatedFrames: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof(
      frameArgs.map((a) =>
        encodeLogFrame(a.records, { sender: a.sender, seq: a.seq, flags: a.ackWanted ? Flag.ACK_WANTED : 0 }),
      ),
      fc
        .tuple(fc.constantFrom(Kind.PING, Kind.PONG, Kind.ACK), fc.nat({ max: 0xffff_ffff }))
        .map(([kind, seq]) => encodeControlFrame(kind, 7, seq)),
    ),
    fc.array(mutation, { minLength: 1, maxLength: 4 }),
  )
  .map(([frame, mutations]) => mutate(frame, mutations));

/** Everything the fuzzer makes: half arbitrary bytes, half mutated valid frames. */
export const fuzzDatagrams: fc.Arbitrary<Uint8Array> = fc.oneof(arbitraryBytes, mutatedFrames);
