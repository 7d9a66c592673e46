/**
 * A reader of sealed version 2 frames written from docs/protocol.md alone, with
 * node:crypto and nothing of the package's sealing code: it opens the golden vectors
 * (sealed in Python) and frames our encoder seals with AES-256-GCM, which no vector has.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createFrameKey, encodeLogFrame, encodePong, SealSession } from '../src/index.js';
import { readVector, VECTORS_DIR } from './support.js';

interface Opened {
  kind: number;
  flags: number;
  suite: number;
  count: number;
  sender: number;
  seq: number;
  keyId: number;
  pn: bigint;
  peer: Buffer;
  body: Buffer;
}

/** Opens a sealed frame with the key for its key id, or throws. */
function open(frame: Buffer, keys: Map<number, Buffer>): Opened {
  if (frame.length < 68 || frame.toString('latin1', 0, 2) !== 'CL' || frame[2] !== 2)
    throw new Error('not sealed v2');
  const kind = frame[3]!;
  const suite = frame[5]!;
  if (suite < 1 || suite > 3) throw new Error(`suite ${suite}`);
  const keyId = frame.readUInt32BE(16);
  const key = keys.get(keyId);
  if (key === undefined) throw new Error('unknown key id');
  const salt = frame.subarray(20, 36);
  const info = Buffer.concat([Buffer.from('clogs v2 frame key'), Buffer.from([suite])]);
  const sessionKey = Buffer.from(hkdfSync('sha256', key, salt, info, 32));
  const direction = kind === 1 || kind === 2 ? 0x01 : 0x02;
  const nonce = Buffer.concat([Buffer.from([direction, 0, 0, 0]), frame.subarray(36, 44)]);
  const tagAt = frame.length - 16;
  const algorithm = (suite === 2 ? 'aes-256-gcm' : 'chacha20-poly1305') as 'chacha20-poly1305';
  const decipher = createDecipheriv(algorithm, sessionKey, nonce, { authTagLength: 16 });
  decipher.setAuthTag(frame.subarray(tagAt));
  let body: Buffer;
  if (suite === 3) {
    decipher.setAAD(frame.subarray(0, tagAt), { plaintextLength: 0 });
    decipher.final();
    body = frame.subarray(52, tagAt);
  } else {
    decipher.setAAD(frame.subarray(0, 52), { plaintextLength: tagAt - 52 });
    const plain = decipher.update(frame.subarray(52, tagAt));
    body = Buffer.concat([plain, decipher.final()]);
  }
  return {
    kind,
    flags: frame[4]!,
    suite,
    count: frame.readUInt16BE(6),
    sender: frame.readUInt32BE(8),
    seq: frame.readUInt32BE(12),
    keyId,
    pn: frame.readBigUInt64BE(36),
    peer: frame.subarray(44, 52),
    body,
  };
}

/** The records of a LOG body, by the record table. */
function records(body: Buffer, count: number) {
  const out: { sysId: string; msgType: string; fileName: string; level: number; msg: string }[] = [];
  let p = 0;
  const str8 = () => {
    const n = body[p]!;
    const s = body.toString('latin1', p + 1, p + 1 + n);
    p += 1 + n;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const sysId = str8();
    const msgType = str8();
    const fileName = str8();
    const level = body[p]!;
    p += 1 + 8 + 2;
    p += 1 + body[p]!;
    const msgLen = body.readUInt32BE(p);
    p += 4;
    out.push({ sysId, msgType, fileName, level, msg: body.toString('utf8', p, p + msgLen) });
    p += msgLen;
  }
  if (p !== body.length) throw new Error('records do not fill the body');
  return out;
}

const manifest = JSON.parse(readFileSync(`${VECTORS_DIR}vectors.json`, 'utf8')) as { v2KeyHex: string };
const keyBytes = Buffer.from(manifest.v2KeyHex, 'hex');
const keyId = 0x9b97bd41; // as docs/protocol.md publishes it
const keys = new Map([[keyId, keyBytes]]);

describe('an independent reader, from the spec alone', () => {
  it('opens the sealed LOG vectors, suite 1 and suite 3, and reads their record', () => {
    for (const [file, suite] of [
      ['v2-log-sealed.hex', 1],
      ['v2-log-integrity.hex', 3],
    ] as const) {
      const opened = open(readVector(file), keys);
      expect(opened).toMatchObject({ kind: 1, flags: 1, suite, count: 1, keyId });
      expect(opened.peer.toString('hex')).toBe('c0c1c2c3c4c5c6c7');
      expect(records(opened.body, 1)).toEqual([
        { sysId: 'SEC', msgType: '8583', fileName: 'audit', level: 4, msg: 'card 4111111111111111' },
      ]);
    }
  });

  it('opens the sealed PING, PONG and ACK vectors', () => {
    expect(open(readVector('v2-ping-sealed.hex'), keys)).toMatchObject({
      kind: 2,
      seq: 9,
      pn: 6n,
      body: Buffer.alloc(0),
    });
    const pong = open(readVector('v2-pong-sealed.hex'), keys);
    expect(pong).toMatchObject({ kind: 3, seq: 10, pn: 0n });
    expect([pong.body[0], pong.body.readUInt32BE(4), pong.body.length]).toEqual([0, 16384, 8]);
    const ack = open(readVector('v2-ack-sealed.hex'), keys);
    expect(ack).toMatchObject({ kind: 4, count: 2, seq: 0, pn: 1n });
    expect([0, 4, 8, 12].map((at) => ack.body.readUInt32BE(at))).toEqual([100, 100, 90, 95]);
  });

  it('refuses the vector whose tag was flipped, and a key it does not hold', () => {
    expect(() => open(readVector('v2-tag-flipped.hex'), keys)).toThrow();
    expect(() => open(readVector('v2-unknown-key.hex'), keys)).toThrow('unknown key id');
  });

  it('opens what our encoder seals with AES-256-GCM (suite 2), LOG and PONG', () => {
    const key = createFrameKey(keyBytes);
    expect(key.id).toBe(keyId);
    const client = new SealSession({ key, suite: 2, direction: 'client' });
    const boot = Buffer.from('0011223344556677', 'hex');
    const frame = encodeLogFrame(
      [
        { sysId: 'ATM', msgType: 'TXT', fileName: 'trade', level: 5, msg: 'first' },
        { sysId: 'ATM', msgType: 'XML', fileName: 'trade', level: 2, msg: '<é/>' },
      ],
      { sender: 77, seq: 3, session: client, peer: boot },
    );
    expect(frame.includes('first')).toBe(false);
    const opened = open(Buffer.from(frame), keys);
    expect(opened).toMatchObject({ kind: 1, suite: 2, count: 2, sender: 77, seq: 3, pn: 0n });
    expect(opened.peer).toEqual(boot);
    expect(records(opened.body, 2).map((r) => r.msg)).toEqual(['first', '<é/>']);
    const server = new SealSession({ key, suite: 2, direction: 'server' });
    const pong = open(encodePong(77, 4, { status: 1, window: 64 }, server, client.boot), keys);
    expect([pong.kind, pong.suite, pong.body[0], pong.body.readUInt32BE(4)]).toEqual([3, 2, 1, 64]);
    const flipped = Buffer.from(frame);
    flipped[60]! ^= 0x80;
    expect(() => open(flipped, keys)).toThrow();
  });
});
