import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type ControlKind,
  decodeFrame,
  encodeControlFrame,
  encodeLogFrame,
  Flag,
  Kind,
  type LogRecordInput,
  ProtocolError,
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
interface Vector {
  name: string;
  file: string;
  version?: 2;
  withKey: boolean;
  bytes: number;
  expect?: {
    kind: number;
    flags: number;
    count: number;
    sender: number;
    seq: number;
    ackWanted: boolean;
    authenticated: boolean;
    records: ExpectedRecord[];
  };
  error?: string;
}

const manifest = JSON.parse(readFileSync(`${VECTORS_DIR}vectors.json`, 'utf8')) as {
  keyHex: string;
  vectors: Vector[];
};
const key = Buffer.from(manifest.keyHex, 'hex');
// Version 2 vectors are checked in golden-v2.test.ts.
const v1 = manifest.vectors.filter((v) => v.version === undefined);
const valid = v1.filter((v) => v.expect !== undefined);
const malformed = v1.filter((v) => v.error !== undefined);
const doc = readFileSync(PROTOCOL_DOC, 'utf8');

describe('golden vectors', () => {
  it('cover every case the foundation issue names', () => {
    expect(valid.map((v) => v.name)).toEqual(
      expect.arrayContaining(['log-one', 'log-multi-ack', 'ping', 'pong', 'ack', 'log-auth']),
    );
    expect(malformed.length).toBeGreaterThanOrEqual(5);
  });

  it.each(v1)('$name: file length matches the manifest', (v) => {
    expect(readVector(v.file).length).toBe(v.bytes);
  });

  it.each(v1)('$name: docs/protocol.md shows the same annotated bytes', (v) => {
    const annotated = readFileSync(VECTORS_DIR + v.file, 'utf8')
      .split('\n')
      .slice(1)
      .join('\n');
    expect(doc).toContain(annotated);
  });

  it.each(valid)('$name: decodes to what the manifest says', (v) => {
    const frame = decodeFrame(readVector(v.file), v.withKey ? { v1Key: key } : undefined);
    const want = v.expect!;
    expect({
      kind: frame.kind,
      flags: frame.flags,
      count: frame.count,
      sender: frame.sender,
      seq: frame.seq,
      ackWanted: frame.ackWanted,
      authenticated: frame.authenticated,
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
    }).toEqual(want);
  });

  it.each(valid)('$name: our encoder produces exactly the file', (v) => {
    const want = v.expect!;
    const signed = v.withKey ? key : undefined;
    const bytes =
      want.kind === Kind.LOG
        ? encodeLogFrame(
            want.records.map(
              (r): LogRecordInput => ({
                sysId: r.sysId,
                msgType: r.msgType,
                fileName: r.fileName,
                level: r.level,
                timeUs: r.timeUs,
                headLen: r.headLen,
                reserved: Buffer.from(r.reservedHex, 'hex'),
                msg: Buffer.from(r.msgHex, 'hex'),
              }),
            ),
            {
              sender: want.sender,
              seq: want.seq,
              flags: want.flags & Flag.ACK_WANTED,
              key: signed,
              version: 1,
            },
          )
        : encodeControlFrame(want.kind as ControlKind, want.sender, want.seq, signed);
    expect(bytes.toString('hex')).toBe(readVector(v.file).toString('hex'));
  });

  it.each(malformed)('$name: refused with $error', (v) => {
    const bytes = readVector(v.file);
    let thrown: unknown;
    try {
      decodeFrame(bytes, v.withKey ? { v1Key: key } : undefined);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe(v.error);
  });
});
