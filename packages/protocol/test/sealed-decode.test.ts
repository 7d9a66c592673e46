import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createFrameKey,
  decodeFrame,
  decodeHeader,
  KeyRing,
  Kind,
  ProtocolError,
  RecordCursor,
} from '../src/index.js';
import { FrameBuilder, specKeyId, specSeal, TEST_KEY } from './support.js';

const key = createFrameKey(TEST_KEY);
const otherKeyBytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 0xff - i));
const SALT = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex').map((b) => b + 0x40);
const BOOT = Buffer.from('b0b1b2b3b4b5b6b7', 'hex');
const NO_PEER = Buffer.alloc(8);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw new Error(`expected a ProtocolError, got ${String(err)}`);
  }
  return 'accepted';
}

/** A sealed LOG of one record, built byte by byte and sealed with node:crypto from the spec. */
function sealedLog(
  o: { suite?: number; peer?: Buffer; pn?: bigint; keyBytes?: Buffer; keyId?: number } = {},
) {
  const keyBytes = o.keyBytes ?? TEST_KEY;
  const unsealed = new FrameBuilder()
    .headerV2(Kind.LOG, 1, o.suite ?? 1, 1, 0x0a0b0c0d, 5)
    .sealBlock(o.keyId ?? specKeyId(keyBytes), SALT, o.pn ?? 7n, o.peer ?? BOOT)
    .record({ sysId: 'PAY', msg: 'card 4111' })
    .build();
  return specSeal(unsealed, keyBytes);
}

const ring = () => new KeyRing([key]);

describe('sealed frames: accepted', () => {
  it.each([1, 2, 3])('suite %i: decodes a hand-sealed LOG and reads its record', (suite) => {
    const bytes = sealedLog({ suite });
    const frame = decodeFrame(bytes, { keys: ring(), boot: BOOT, allowAuthOnly: true });
    expect(frame).toMatchObject({
      version: 2,
      kind: Kind.LOG,
      suite,
      count: 1,
      sender: 0x0a0b0c0d,
      seq: 5,
      ackWanted: true,
      authenticated: true,
      keyId: specKeyId(TEST_KEY),
      pn: 7,
      bodyStart: 52,
      bodyEnd: bytes.length - 16,
    });
    expect(frame.salt).toEqual(SALT);
    expect(frame.peer).toEqual(BOOT);
    expect(frame.records.map((r) => [r.sysId, r.msg.toString()])).toEqual([['PAY', 'card 4111']]);
  });

  it('encrypts the body (suites 1, 2) and decrypts it in place only once the tag verified', () => {
    const bytes = sealedLog();
    expect(bytes.includes('card 4111')).toBe(false);
    const header = decodeHeader(bytes, { keys: ring() });
    expect(bytes.includes('card 4111')).toBe(true);
    const cursor = new RecordCursor().reset(bytes, header);
    expect(cursor.next()).toBe(true);
    expect(cursor.msg().toString()).toBe('card 4111');
    // a frame whose tag fails is left exactly as it came
    const forged = sealedLog();
    forged[forged.length - 1]! ^= 1;
    const before = Buffer.from(forged);
    expect(code(() => decodeHeader(forged, { keys: ring() }))).toBe('ERR_PROTOCOL_BAD_AUTH');
    expect(forged).toEqual(before);
  });

  it('reads a pn above 2^32 and does not check the peer of a PING', () => {
    const ping = specSeal(
      new FrameBuilder()
        .headerV2(Kind.PING, 0, 1, 0, 9, 11)
        .sealBlock(key.id, SALT, 0x1_0000_0002n, NO_PEER)
        .build(),
      TEST_KEY,
    );
    expect(decodeHeader(ping, { keys: ring(), boot: BOOT })).toMatchObject({
      kind: Kind.PING,
      pn: 0x1_0000_0002,
    });
  });
});

describe('sealed frames: refused', () => {
  it('refuses every single bit flipped anywhere in a sealed frame, each suite', () => {
    for (const suite of [1, 2, 3]) {
      const good = sealedLog({ suite });
      for (let i = 0; i < good.length * 8; i++) {
        const bad = Buffer.from(good);
        bad[i >> 3]! ^= 1 << (i & 7);
        const got = code(() => decodeFrame(bad, { keys: ring(), boot: BOOT, allowAuthOnly: true }));
        if (got === 'accepted') throw new Error(`suite ${suite}: bit ${i} flipped was accepted`);
      }
    }
  });

  it('refuses every truncation and every extension by one byte', () => {
    const good = sealedLog();
    for (let n = 0; n < good.length; n++) {
      expect(
        code(() => decodeFrame(Buffer.from(good.subarray(0, n)), { keys: ring() })),
        `cut at ${n}`,
      ).not.toBe('accepted');
    }
    expect(code(() => decodeFrame(Buffer.concat([good, Buffer.from([0])]), { keys: ring() }))).toBe(
      'ERR_PROTOCOL_BAD_AUTH',
    );
    expect(code(() => decodeHeader(good.subarray(0, 67), { keys: ring() }))).toBe('ERR_PROTOCOL_TRUNCATED');
  });

  it('refuses a frame sealed with another key under our key id, and an unknown key id', () => {
    expect(
      code(() => decodeHeader(sealedLog({ keyBytes: otherKeyBytes, keyId: key.id }), { keys: ring() })),
    ).toBe('ERR_PROTOCOL_BAD_AUTH');
    expect(code(() => decodeHeader(sealedLog({ keyBytes: otherKeyBytes }), { keys: ring() }))).toBe(
      'ERR_PROTOCOL_UNKNOWN_KEY',
    );
    // a ring holding both keys opens either
    const both = new KeyRing([key, createFrameKey(otherKeyBytes)]);
    expect(decodeHeader(sealedLog({ keyBytes: otherKeyBytes }), { keys: both }).authenticated).toBe(true);
  });

  it('refuses suites 4..255, and suite 3 unless allowed', () => {
    for (let suite = 4; suite < 256; suite++) {
      expect(code(() => decodeHeader(sealedLog({ suite }), { keys: ring() }))).toBe('ERR_PROTOCOL_BAD_SUITE');
    }
    expect(code(() => decodeHeader(sealedLog({ suite: 3 }), { keys: ring() }))).toBe(
      'ERR_PROTOCOL_BAD_SUITE',
    );
  });

  it('refuses a sealed LOG bound to another boot, and keys on either side missing', () => {
    expect(code(() => decodeHeader(sealedLog({ peer: NO_PEER }), { keys: ring(), boot: BOOT }))).toBe(
      'ERR_PROTOCOL_BAD_PEER',
    );
    expect(code(() => decodeHeader(sealedLog(), { keys: ring(), boot: BOOT.subarray(0, 7) }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    expect(code(() => decodeHeader(sealedLog(), {}))).toBe('ERR_PROTOCOL_AUTH_UNEXPECTED');
    const plain = new FrameBuilder().headerV2(Kind.LOG, 0, 0, 1, 1, 1).record({}).build();
    expect(code(() => decodeHeader(plain, { keys: ring() }))).toBe('ERR_PROTOCOL_AUTH_REQUIRED');
    expect(decodeFrame(plain).records).toHaveLength(1);
  });

  it('with allowUnverified and no key: reads the header, leaves the body sealed, yields no records', () => {
    const bytes = sealedLog();
    const copy = Buffer.from(bytes);
    const frame = decodeFrame(bytes, { allowUnverified: true });
    expect(frame).toMatchObject({ authenticated: false, suite: 1, count: 1, records: [] });
    expect(bytes).toEqual(copy);
  });

  it('caches session keys only for frames whose tag verified, within its bound', () => {
    const keys = new KeyRing([key], { maxCachedSessions: 2 });
    for (let i = 0; i < 50; i++) {
      const forged = sealedLog();
      forged[20]! ^= i + 1; // another salt: another session, tag no longer valid
      expect(code(() => decodeHeader(forged, { keys }))).toBe('ERR_PROTOCOL_BAD_AUTH');
    }
    expect(keys.cachedSessions).toBe(0);
    decodeHeader(sealedLog(), { keys });
    expect(keys.cachedSessions).toBe(1);
    decodeHeader(sealedLog({ suite: 2 }), { keys });
    decodeHeader(sealedLog({ suite: 3 }), { keys, allowAuthOnly: true });
    expect(keys.cachedSessions).toBe(2);
    // a cached session key opens the next frame of its session
    expect(decodeHeader(sealedLog({ suite: 3, pn: 8n }), { keys, allowAuthOnly: true }).pn).toBe(8);
  });
});

describe('version 1 at a receiver with version 2 keys', () => {
  const v1 = new FrameBuilder().header(Kind.PING, 0, 0, 1, 3).build();

  it('refuses version 1 frames unless acceptV1, then requires their HMAC made with a key', () => {
    expect(code(() => decodeHeader(v1, { keys: ring() }))).toBe('ERR_PROTOCOL_AUTH_REQUIRED');
    expect(code(() => decodeHeader(v1, { keys: ring(), acceptV1: true }))).toBe('ERR_PROTOCOL_AUTH_REQUIRED');
    const unsigned = new FrameBuilder().header(Kind.PING, 2, 0, 1, 3).build();
    const trailer = createHmac('sha256', TEST_KEY).update(unsigned).digest().subarray(0, 16);
    const signed = Buffer.concat([unsigned, trailer]);
    expect(decodeHeader(signed, { keys: ring(), acceptV1: true })).toMatchObject({
      version: 1,
      authenticated: true,
    });
    signed[16]! ^= 1;
    expect(code(() => decodeHeader(signed, { keys: ring(), acceptV1: true }))).toBe('ERR_PROTOCOL_BAD_AUTH');
  });

  it('still reads version 1 frames without keys, and refuses version 3 naming 1 and 2', () => {
    expect(decodeHeader(v1)).toMatchObject({ version: 1, kind: Kind.PING, seq: 3, bodyStart: 16, suite: 0 });
    const v3 = Buffer.from(v1);
    v3[2] = 3;
    expect(() => decodeHeader(v3)).toThrow(/version 3 is not supported \(accepted: 1, 2\)/);
  });
});

describe('version 2 header rules', () => {
  const h = (kind: number, flags: number, suite: number, count: number, seq: number) =>
    new FrameBuilder().headerV2(kind, flags, suite, count, 1, seq);

  it('checks flags, counts and the ACK seq', () => {
    expect(code(() => decodeHeader(h(Kind.LOG, 2, 0, 1, 1).record({}).build()))).toBe(
      'ERR_PROTOCOL_BAD_FLAGS',
    );
    expect(code(() => decodeHeader(h(Kind.PING, 1, 0, 0, 1).build()))).toBe('ERR_PROTOCOL_BAD_FLAGS');
    expect(code(() => decodeHeader(h(Kind.LOG, 0, 0, 0, 1).build()))).toBe('ERR_PROTOCOL_BAD_COUNT');
    expect(code(() => decodeHeader(h(Kind.PING, 0, 0, 1, 1).build()))).toBe('ERR_PROTOCOL_BAD_COUNT');
    expect(code(() => decodeHeader(h(Kind.ACK, 0, 0, 0, 0).build()))).toBe('ERR_PROTOCOL_BAD_COUNT');
    expect(code(() => decodeHeader(h(Kind.ACK, 0, 0, 8001, 0).build()))).toBe('ERR_PROTOCOL_BAD_COUNT');
    expect(code(() => decodeHeader(h(Kind.ACK, 0, 0, 1, 1).u32(1).u32(1).build()))).toBe(
      'ERR_PROTOCOL_BAD_SEQ',
    );
  });

  it('checks the body size of PING, PONG and ACK, and the PONG zero bytes', () => {
    expect(code(() => decodeHeader(h(Kind.PING, 0, 0, 0, 1).u8(0).build()))).toBe(
      'ERR_PROTOCOL_TRAILING_BYTES',
    );
    const pong = (body: number[]) => h(Kind.PONG, 0, 0, 0, 2).bytes(Buffer.from(body)).build();
    expect(code(() => decodeHeader(pong([0, 0, 0, 0, 0, 0, 64])))).toBe('ERR_PROTOCOL_TRUNCATED');
    expect(code(() => decodeHeader(pong([0, 0, 0, 0, 0, 0, 0, 64, 0])))).toBe('ERR_PROTOCOL_TRUNCATED');
    expect(code(() => decodeHeader(pong([0, 0, 0, 1, 0, 0, 0, 64])))).toBe('ERR_PROTOCOL_BAD_ZERO');
    expect(decodeFrame(pong([1, 0x80, 0, 0, 0, 0, 0x40, 0])).pong).toEqual({
      status: 1,
      caps: 0x80,
      window: 16384,
    });
    expect(code(() => decodeHeader(h(Kind.ACK, 0, 0, 2, 0).u32(1).u32(2).build()))).toBe(
      'ERR_PROTOCOL_TRUNCATED',
    );
  });

  it('reads ACK ranges, wrapping ones too, and refuses one wider than the window', () => {
    const ack = h(Kind.ACK, 0, 0, 2, 0).u32(0xffff_fffe).u32(1).u32(10).u32(10).build();
    expect(decodeFrame(ack, { ackWindow: 4 }).ranges).toEqual([0xffff_fffe, 1, 10, 10]);
    expect(code(() => decodeFrame(ack, { ackWindow: 3 }))).toBe('ERR_PROTOCOL_BAD_RANGE');
    const backwards = h(Kind.ACK, 0, 0, 1, 0).u32(5).u32(4).build();
    expect(code(() => decodeFrame(backwards, { ackWindow: 16384 }))).toBe('ERR_PROTOCOL_BAD_RANGE');
  });
});
