import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createFrameKey,
  type DecodeFrameOptions,
  decodeFrame,
  encodeAck,
  encodeLogFrame,
  encodePing,
  encodePong,
  type Frame,
  KeyRing,
  Kind,
  ProtocolError,
  type SealedSuite,
  SealSession,
} from '../src/index.js';
import { PROTOCOL_DOC, readVector, VECTORS_DIR } from './support.js';

interface ExpectedRecord {
  sysId: string;
  msgType: string;
  fileName: string;
  level: number;
  timeUs: number;
  headLen: number;
  reservedHex: string;
  msgHex: string;
}
interface Expected {
  version: number;
  kind: number;
  flags: number;
  count: number;
  sender: number;
  seq: number;
  ackWanted: boolean;
  authenticated: boolean;
  suite: number;
  keyId: number | null;
  saltHex: string | null;
  pn: number | null;
  peerHex: string | null;
  records: ExpectedRecord[];
  pong: { status: number; caps: number; window: number } | null;
  ranges: number[];
}
interface VectorV2 {
  name: string;
  file: string;
  version?: 2;
  bytes: number;
  decode: { keys: boolean; bootHex: string | null; allowAuthOnly: boolean };
  seal?: { suite: SealedSuite; saltHex: string; pn: number; peerHex: string; direction: 'client' | 'server' };
  expect?: Expected;
  error?: string;
}

const manifest = JSON.parse(readFileSync(`${VECTORS_DIR}vectors.json`, 'utf8')) as {
  v2KeyHex: string;
  v2KeyId: number;
  vectors: VectorV2[];
};
const key = createFrameKey(Buffer.from(manifest.v2KeyHex, 'hex'));
const vectors = manifest.vectors.filter((v) => v.version === 2);
const valid = vectors.filter((v) => v.expect !== undefined);
const malformed = vectors.filter((v) => v.error !== undefined);
const doc = readFileSync(PROTOCOL_DOC, 'utf8');

function options(v: VectorV2): DecodeFrameOptions {
  return {
    keys: v.decode.keys ? new KeyRing([key]) : undefined,
    boot: v.decode.bootHex === null ? undefined : Buffer.from(v.decode.bootHex, 'hex'),
    allowAuthOnly: v.decode.allowAuthOnly,
  };
}

function summary(frame: Frame): Expected {
  return {
    version: frame.version,
    kind: frame.kind,
    flags: frame.flags,
    count: frame.count,
    sender: frame.sender,
    seq: frame.seq,
    ackWanted: frame.ackWanted,
    authenticated: frame.authenticated,
    suite: frame.suite,
    keyId: frame.keyId ?? null,
    saltHex: frame.salt?.toString('hex') ?? null,
    pn: frame.pn ?? null,
    peerHex: frame.peer?.toString('hex') ?? null,
    records: frame.records.map((r) => ({
      sysId: r.sysId,
      msgType: r.msgType,
      fileName: r.fileName,
      level: r.level,
      timeUs: r.timeUs,
      headLen: r.headLen,
      reservedHex: r.reserved.toString('hex'),
      msgHex: r.msg.toString('hex'),
    })),
    pong: frame.pong ?? null,
    ranges: frame.ranges,
  };
}

/** Our encoder, given the vector's sender, seq, flags, salt, pn and peer. */
function encode(v: VectorV2): Buffer {
  const want = v.expect!;
  const s = v.seal;
  const session =
    s === undefined
      ? undefined
      : new SealSession({
          key,
          suite: s.suite,
          direction: s.direction,
          salt: Buffer.from(s.saltHex, 'hex'),
          pn: s.pn,
        });
  const peer = s === undefined ? undefined : Buffer.from(s.peerHex, 'hex');
  switch (want.kind) {
    case Kind.LOG:
      return encodeLogFrame(
        want.records.map((r) => ({
          ...r,
          reserved: Buffer.from(r.reservedHex, 'hex'),
          msg: Buffer.from(r.msgHex, 'hex'),
        })),
        { sender: want.sender, seq: want.seq, flags: want.flags, session, peer },
      );
    case Kind.PING:
      return encodePing(want.sender, want.seq, session);
    case Kind.PONG:
      return encodePong(want.sender, want.seq, want.pong!, session, peer);
    default:
      return encodeAck(want.sender, want.ranges, want.count, session, peer);
  }
}

describe('golden vectors, version 2', () => {
  it('cover the cases the spec names, with the published key', () => {
    expect(key.id).toBe(manifest.v2KeyId);
    expect(doc).toContain(`its key id is \`0x${key.id.toString(16)}\``);
    expect(valid.map((v) => v.name)).toEqual([
      'v2-log',
      'v2-ping',
      'v2-pong',
      'v2-ack',
      'v2-log-sealed',
      'v2-ping-sealed',
      'v2-pong-sealed',
      'v2-ack-sealed',
      'v2-log-integrity',
    ]);
    expect(malformed.length).toBeGreaterThanOrEqual(7);
  });

  it.each(vectors)('$name: file length matches and docs/protocol.md shows the same annotated bytes', (v) => {
    expect(readVector(v.file).length).toBe(v.bytes);
    const annotated = readFileSync(VECTORS_DIR + v.file, 'utf8')
      .split('\n')
      .slice(1)
      .join('\n');
    expect(doc).toContain(annotated);
  });

  it.each(valid)('$name: decodes to what the manifest says', (v) => {
    expect(summary(decodeFrame(readVector(v.file), options(v)))).toEqual(v.expect);
  });

  it.each(valid)('$name: our encoder produces exactly the file', (v) => {
    expect(encode(v).toString('hex')).toBe(readVector(v.file).toString('hex'));
  });

  it.each(malformed)('$name: refused with $error', (v) => {
    let thrown: unknown;
    try {
      decodeFrame(readVector(v.file), options(v));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(v.error);
  });
});
