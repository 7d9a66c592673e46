import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameArgs, mutate, mutation } from '../../../test/support/datagram-fuzz.js';
import {
  createFrameKey,
  type DecodeFrameOptions,
  decodeFrame,
  encodeAck,
  encodeLogFrame,
  encodePing,
  encodePong,
  Flag,
  type Frame,
  KeyRing,
  ProtocolError,
  type SealedSuite,
  SealSession,
} from '../src/index.js';
import { TEST_KEY } from './support.js';

/** Case counts scale with CLOGS_FUZZ_RUNS as in property.test.ts (default: 2,000 mutated sealed frames). */
const FUZZ_RUNS = Number(process.env['CLOGS_FUZZ_RUNS'] ?? 100_000);
const SEED =
  process.env['CLOGS_FUZZ_SEED'] === undefined ? undefined : Number(process.env['CLOGS_FUZZ_SEED']);
const runs = (n: number) => (SEED === undefined ? { numRuns: n } : { numRuns: n, seed: SEED });

const key = createFrameKey(TEST_KEY);
const PEER = Buffer.from('5050505050505050', 'hex');
const suite = fc.constantFrom<SealedSuite>(1, 2, 3);
const bytesOf = (msg: string | Uint8Array) => (typeof msg === 'string' ? Buffer.from(msg) : Buffer.from(msg));

/** A receiver holding the key, bound to PEER, taking suite 3: the most a sealed frame can get through. */
const receiver: DecodeFrameOptions = { keys: new KeyRing([key]), boot: PEER, allowAuthOnly: true };
// One session per suite and side, as a client or a server has: each frame takes the next pn.
const sessions = (direction: 'client' | 'server') =>
  ([1, 2, 3] as const).map((s) => new SealSession({ key, suite: s, direction }));
const clients = sessions('client');
const servers = sessions('server');

/** Any sealed frame: a LOG from a client session, or a PING, PONG or ACK. */
const sealedFrames: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(frameArgs, suite).map(([a, s]) =>
    encodeLogFrame(a.records, {
      sender: a.sender,
      seq: a.seq,
      flags: a.ackWanted ? Flag.ACK_WANTED : 0,
      session: clients[s - 1],
      peer: PEER,
    }),
  ),
  fc.tuple(suite, fc.nat({ max: 0xffff_ffff })).map(([s, seq]) => encodePing(7, seq, clients[s - 1])),
  fc
    .tuple(suite, fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 255 }), fc.nat({ max: 0xffff_ffff }))
    .map(([s, seq, status, window]) => encodePong(7, seq, { status, window }, servers[s - 1], PEER)),
  fc
    .tuple(suite, fc.array(fc.nat({ max: 0xffff_ffff }), { minLength: 2, maxLength: 40 }))
    .map(([s, seqs]) => {
      const n = seqs.length >> 1;
      return encodeAck(7, seqs, n, servers[s - 1], PEER);
    }),
);

/** Decodes a copy (decoding opens the frame in place); returns the frame, or the ProtocolError's code. */
function tryDecode(bytes: Buffer): Frame | string {
  try {
    return decodeFrame(Buffer.from(bytes), receiver);
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
}

describe('sealed frames: properties', () => {
  it('open(seal(x)) == x for arbitrary batches and every suite', () => {
    fc.assert(
      fc.property(frameArgs, suite, (args, s) => {
        const session = clients[s - 1];
        const frame = encodeLogFrame(args.records, {
          sender: args.sender,
          seq: args.seq,
          session,
          peer: PEER,
        });
        const decoded = decodeFrame(frame, receiver);
        expect(decoded).toMatchObject({ suite: s, authenticated: true, seq: args.seq, sender: args.sender });
        expect(decoded.records.map((r) => r.msg)).toEqual(args.records.map((r) => bytesOf(r.msg)));
      }),
      runs(Math.max(100, FUZZ_RUNS / 500)),
    );
  });

  it(`random corruption: only ProtocolErrors, and no modified frame accepted (${Math.max(1000, FUZZ_RUNS / 50)} cases)`, () => {
    fc.assert(
      fc.property(sealedFrames, fc.array(mutation, { minLength: 1, maxLength: 4 }), (frame, mutations) => {
        const bad = mutate(frame, mutations);
        const got = tryDecode(bad);
        // Mutations can undo each other (a bit flipped twice): the same bytes must still be accepted.
        if (bad.equals(frame)) expect(typeof got).toBe('object');
        else expect(got, 'a modified sealed frame was accepted').toBeTypeOf('string');
      }),
      runs(Math.max(1000, FUZZ_RUNS / 50)),
    );
  });

  it('every sealed frame, unmodified, is accepted (the corruption property is not vacuous)', () => {
    fc.assert(
      fc.property(sealedFrames, (frame) => {
        expect(typeof tryDecode(frame)).toBe('object');
      }),
      runs(Math.max(100, FUZZ_RUNS / 1000)),
    );
  });
});
