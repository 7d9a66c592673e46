import { describe, expect, it } from 'vitest';
import {
  BatchWriter,
  createFrameKey,
  decodeFrame,
  encodeAck,
  encodeLogFrame,
  encodePing,
  encodePong,
  Flag,
  KeyRing,
  Kind,
  ProtocolError,
  SealSession,
  Suite,
  suiteFromName,
  suiteName,
} from '../src/index.js';
import { FrameBuilder, specSeal, TEST_KEY } from './support.js';

const key = createFrameKey(TEST_KEY);
const SALT = Buffer.from('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf', 'hex');
const CLIENT_SALT = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex');
const BOOT = SALT.subarray(0, 8);
const CLIENT_BOOT = CLIENT_SALT.subarray(0, 8);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err.code;
    throw err;
  }
  return 'accepted';
}

const record = {
  sysId: 'PAY',
  msgType: 'TXT',
  fileName: 'app',
  level: 3,
  timeUs: 1_700_000_000_000_000,
  msg: 'hello',
};
const plainBody = new FrameBuilder()
  .record({ sysId: 'PAY', fileName: 'app', level: 3, timeUs: 1_700_000_000_000_000n, msg: 'hello' })
  .build();

describe('SealSession', () => {
  it.each([Suite.CHACHA20_POLY1305, Suite.AES_256_GCM, Suite.CHACHA20_POLY1305_AUTH_ONLY] as const)(
    'suite %i: seals a BatchWriter frame to exactly the bytes the spec gives',
    (suite) => {
      const session = new SealSession({ key, suite, direction: 'client', salt: CLIENT_SALT, pn: 41 });
      const writer = new BatchWriter({ sender: 0x0a0b0c0d, sealed: true });
      expect(writer.append(record)).toBe(true);
      const frame = writer.finish(9, Flag.ACK_WANTED);
      expect(frame.length).toBe(52 + plainBody.length + 16);
      session.seal(frame, BOOT);
      const want = specSeal(
        new FrameBuilder()
          .headerV2(Kind.LOG, 1, suite, 1, 0x0a0b0c0d, 9)
          .sealBlock(key.id, CLIENT_SALT, 41n, BOOT)
          .bytes(plainBody)
          .build(),
        TEST_KEY,
      );
      expect(frame.toString('hex')).toBe(want.toString('hex'));
      expect(session.pn).toBe(42);
    },
  );

  it('takes a new pn for every frame, and reseals for a new peer after unseal', () => {
    const session = new SealSession({ key, suite: 1, direction: 'client' });
    expect(session.salt.length).toBe(16);
    expect(session.boot).toEqual(session.salt.subarray(0, 8));
    expect(new SealSession({ key, suite: 1, direction: 'client' }).salt.equals(session.salt)).toBe(false);
    const frame = encodeLogFrame([record], { sender: 1, seq: 1, session, peer: BOOT });
    const first = Buffer.from(frame);
    session.unseal(frame);
    expect(frame.subarray(52, frame.length - 16)).toEqual(plainBody);
    session.seal(frame, Buffer.alloc(8, 7));
    expect(frame.readUInt32BE(40)).toBe(1);
    expect(first.readUInt32BE(40)).toBe(0);
    const read = decodeFrame(frame, { keys: new KeyRing([key]), boot: Buffer.alloc(8, 7) });
    expect(read.records[0]!.msg.toString()).toBe('hello');
    // unseal refuses what it did not seal intact
    frame[60]! ^= 1;
    expect(code(() => session.unseal(frame))).toBe('ERR_PROTOCOL_BAD_AUTH');
    const other = new SealSession({ key, suite: 1, direction: 'client' });
    expect(code(() => other.unseal(Buffer.from(first)))).toBe('ERR_PROTOCOL_BAD_AUTH');
  });

  it("refuses to seal the other side's kinds, a short frame, a bad peer or options", () => {
    const client = new SealSession({ key, suite: 1, direction: 'client' });
    const server = new SealSession({ key, suite: 1, direction: 'server' });
    const pong = encodePong(1, 2, { status: 0, window: 64 });
    expect(code(() => client.seal(Buffer.concat([pong.subarray(0, 16), Buffer.alloc(60)]), BOOT))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    const log = encodeLogFrame([record], { sender: 1, seq: 1, session: client, peer: BOOT });
    expect(code(() => server.seal(log, BOOT))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => client.seal(Buffer.alloc(67), BOOT))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => client.seal(log, Buffer.alloc(7)))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => new SealSession({ key, suite: 0 as never, direction: 'client' }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    expect(code(() => new SealSession({ key, suite: 1, direction: 'client', salt: Buffer.alloc(15) }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
  });

  it('names suites both ways', () => {
    expect(suiteFromName('chacha20-poly1305')).toBe(1);
    expect(suiteFromName('aes-256-gcm')).toBe(2);
    expect(suiteFromName('integrity-only')).toBe(3);
    expect(suiteName(2)).toBe('aes-256-gcm');
    expect(code(() => suiteFromName('rot13'))).toBe('ERR_PROTOCOL_BAD_SUITE');
  });
});

describe('BatchWriter, version 2', () => {
  it('writes plain version 2 headers by default and version 1 with a key', () => {
    const plain = encodeLogFrame([record], { sender: 5, seq: 6 });
    expect(plain).toEqual(new FrameBuilder().headerV2(Kind.LOG, 0, 0, 1, 5, 6).bytes(plainBody).build());
    const v1 = encodeLogFrame([record], { sender: 5, seq: 6, key: TEST_KEY });
    expect(v1[2]).toBe(1);
    expect(code(() => new BatchWriter({ sender: 1, key: TEST_KEY, version: 2 }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
    expect(code(() => new BatchWriter({ sender: 1, version: 1, sealed: true }))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
  });

  it('sealed: keeps seal block and tag inside the budget, and a big record in a frame of its own', () => {
    const writer = new BatchWriter({ sender: 1, sealed: true, maxDatagramBytes: 200 });
    let n = 0;
    while (writer.append(record)) n++;
    const frame = writer.finish(1);
    expect(frame.length).toBeLessThanOrEqual(200);
    expect(frame.length).toBe(52 + n * plainBody.length + 16);
    expect(frame.subarray(16, 52)).toEqual(Buffer.alloc(36));
    writer.reset();
    expect(writer.append({ ...record, msg: 'x'.repeat(300) })).toBe(true);
    const big = writer.finish(2);
    const session = new SealSession({ key, suite: 2, direction: 'client' });
    session.seal(big, BOOT);
    expect(decodeFrame(big, { keys: new KeyRing([key]) }).records[0]!.msg.length).toBe(300);
    writer.reset();
    expect(code(() => writer.append({ ...record, msg: 'x'.repeat(65_507 - 16 - 52 - 16) }))).toBe(
      'ERR_PROTOCOL_RECORD_TOO_LARGE',
    );
  });
});

describe('version 2 control frames', () => {
  it('encodes PING, PONG and ACK plain, byte for byte', () => {
    expect(encodePing(7, 9)).toEqual(new FrameBuilder().headerV2(Kind.PING, 0, 0, 0, 7, 9).build());
    expect(encodePong(7, 10, { status: 1, window: 16_384 })).toEqual(
      new FrameBuilder().headerV2(Kind.PONG, 0, 0, 0, 7, 10).u8(1).u8(0).u16(0).u32(16_384).build(),
    );
    expect(encodeAck(7, [1, 3, 0xffff_fff0, 2], 2)).toEqual(
      new FrameBuilder().headerV2(Kind.ACK, 0, 0, 2, 7, 0).u32(1).u32(3).u32(0xffff_fff0).u32(2).build(),
    );
  });

  it('seals them: the server binds PONG and ACK to the client boot, the client opens them', () => {
    const server = new SealSession({ key, suite: 1, direction: 'server', salt: SALT, pn: 5 });
    const pong = encodePong(7, 10, { status: 0, window: 64 }, server, CLIENT_BOOT);
    expect(pong).toEqual(
      specSeal(
        new FrameBuilder()
          .headerV2(Kind.PONG, 0, 1, 0, 7, 10)
          .sealBlock(key.id, SALT, 5n, CLIENT_BOOT)
          .u8(0)
          .u8(0)
          .u16(0)
          .u32(64)
          .build(),
        TEST_KEY,
      ),
    );
    const keys = new KeyRing([key]);
    expect(decodeFrame(pong, { keys, boot: CLIENT_BOOT }).pong).toEqual({ status: 0, caps: 0, window: 64 });
    const ack = encodeAck(7, [4, 9], 1, server, CLIENT_BOOT);
    expect(decodeFrame(ack, { keys, boot: CLIENT_BOOT }).ranges).toEqual([4, 9]);
    const replayed = encodeAck(7, [4, 9], 1, server, Buffer.alloc(8));
    expect(code(() => decodeFrame(replayed, { keys, boot: CLIENT_BOOT }))).toBe('ERR_PROTOCOL_BAD_PEER');
    const client = new SealSession({ key, suite: 1, direction: 'client' });
    const ping = encodePing(7, 9, client);
    expect(ping.subarray(44, 52)).toEqual(Buffer.alloc(8));
    expect(decodeFrame(ping, { keys }).seq).toBe(9);
    expect(code(() => encodePong(7, 10, { status: 0, window: 64 }, server))).toBe(
      'ERR_PROTOCOL_BAD_ARGUMENT',
    );
  });

  it('refuses bad arguments', () => {
    expect(code(() => encodeAck(1, [1, 2], 0))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodeAck(1, [1], 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodeAck(1, [1, -1], 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodePong(1, 1, { status: 256, window: 1 }))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodePing(-1, 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });
});
