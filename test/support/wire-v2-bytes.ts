/**
 * Byte builders and readers for clogs wire frames, written from docs/protocol.md alone
 * (no code shared with @clogs/protocol), so tests check the server against the spec and
 * not against its own encoder. Node's crypto does the primitives: HKDF-SHA256,
 * ChaCha20-Poly1305, AES-256-GCM, HMAC-SHA256.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';

export const KIND = { LOG: 1, PING: 2, PONG: 3, ACK: 4 } as const;
export const SUITE = { PLAIN: 0, CHACHA: 1, AES_GCM: 2, AUTH_ONLY: 3 } as const;
const SEALED_BODY = 52;
const TAG = 16;

export interface TestRecord {
  sysId: string;
  msgType?: string;
  fileName: string;
  level?: number;
  timeUs?: number;
  msg: string | Buffer;
}

/** One LOG record, as the "LOG record" table lays it out. */
export function recordBytes(r: TestRecord): Buffer {
  const str8 = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
  const msg = Buffer.from(r.msg);
  const fixed = Buffer.alloc(1 + 8 + 2);
  const time = r.timeUs ?? 1_763_883_686_000_000;
  fixed[0] = r.level ?? 3;
  fixed.writeUInt32BE(Math.floor(time / 2 ** 32), 1);
  fixed.writeUInt32BE(time % 2 ** 32, 5);
  fixed.writeUInt16BE(0, 9); // head_len
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  return Buffer.concat([
    str8(r.sysId),
    str8(r.msgType ?? 'TXT'),
    str8(r.fileName),
    fixed,
    Buffer.from([0]), // reserved: empty
    len,
    msg,
  ]);
}

function header(
  version: number,
  kind: number,
  flags: number,
  suite: number,
  count: number,
  sender: number,
  seq: number,
): Buffer {
  const h = Buffer.alloc(16);
  h.write('CL', 0, 'latin1');
  h[2] = version;
  h[3] = kind;
  h[4] = flags;
  h[5] = suite;
  h.writeUInt16BE(count, 6);
  h.writeUInt32BE(sender >>> 0, 8);
  h.writeUInt32BE(seq >>> 0, 12);
  return h;
}

/** key_id: the first 4 bytes of HMAC-SHA256(key, "clogs key id"). */
export function keyIdOf(key: Buffer): number {
  return createHmac('sha256', key).update('clogs key id').digest().readUInt32BE(0);
}

/** A sealer's session: key, suite, salt and the next pn; `direction` 1 client, 2 server. */
export interface Sealer {
  key: Buffer;
  suite: 1 | 2 | 3;
  salt: Buffer;
  pn: number;
  direction: 1 | 2;
}

function sessionKey(key: Buffer, salt: Buffer, suite: number): Buffer {
  const info = Buffer.concat([Buffer.from('clogs v2 frame key'), Buffer.from([suite])]);
  return Buffer.from(hkdfSync('sha256', key, salt, info, 32));
}

function nonce(direction: number, pn: number): Buffer {
  const n = Buffer.alloc(12);
  n[0] = direction;
  n.writeUInt32BE(Math.floor(pn / 2 ** 32), 4);
  n.writeUInt32BE(pn % 2 ** 32, 8);
  return n;
}

function cipher(suite: number, key: Buffer, iv: Buffer) {
  return suite === SUITE.AES_GCM
    ? createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG })
    : createCipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG });
}

function decipher(suite: number, key: Buffer, iv: Buffer) {
  return suite === SUITE.AES_GCM
    ? createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG })
    : createDecipheriv('chacha20-poly1305', key, iv, { authTagLength: TAG });
}

/** header | seal block | body | tag, sealed as "Sealed frames" says. Takes the sealer's next pn. */
function seal(h: Buffer, body: Buffer, s: Sealer, peer: Buffer): Buffer {
  h[5] = s.suite;
  const block = Buffer.alloc(36);
  block.writeUInt32BE(keyIdOf(s.key), 0);
  s.salt.copy(block, 4);
  const pn = s.pn++;
  block.writeUInt32BE(Math.floor(pn / 2 ** 32), 20);
  block.writeUInt32BE(pn % 2 ** 32, 24);
  peer.copy(block, 28, 0, 8);
  const ad = Buffer.concat([h, block]);
  const c = cipher(s.suite, sessionKey(s.key, s.salt, s.suite), nonce(s.direction, pn));
  if (s.suite === SUITE.AUTH_ONLY) {
    c.setAAD(Buffer.concat([ad, body]), { plaintextLength: 0 });
    c.final();
    return Buffer.concat([ad, body, c.getAuthTag()]);
  }
  c.setAAD(ad, { plaintextLength: body.length });
  const ct = Buffer.concat([c.update(body), c.final()]);
  return Buffer.concat([ad, ct, c.getAuthTag()]);
}

export interface LogFrameSpec {
  sender: number;
  seq: number;
  ackWanted?: boolean;
  records: TestRecord[];
}

/** A version 2 LOG frame: plain, or sealed by `sealer` for the server boot `peer`. */
export function logV2(f: LogFrameSpec, sealer?: Sealer, peer?: Buffer): Buffer {
  const h = header(2, KIND.LOG, f.ackWanted === false ? 0 : 1, 0, f.records.length, f.sender, f.seq);
  const body = Buffer.concat(f.records.map(recordBytes));
  if (sealer === undefined) return Buffer.concat([h, body]);
  return seal(h, body, sealer, peer ?? Buffer.alloc(8));
}

/** A version 2 PING: plain, or sealed (peer: 8 zero bytes). */
export function pingV2(sender: number, id: number, sealer?: Sealer): Buffer {
  const h = header(2, KIND.PING, 0, 0, 0, sender, id);
  return sealer === undefined ? h : seal(h, Buffer.alloc(0), sealer, Buffer.alloc(8));
}

/** A version 1 frame, with the HMAC-SHA256/128 trailer when `key` is given. */
export function frameV1(
  kind: number,
  sender: number,
  seq: number,
  records: TestRecord[],
  key?: Buffer,
  ackWanted = true,
): Buffer {
  const flags = (kind === KIND.LOG && ackWanted ? 1 : 0) | (key === undefined ? 0 : 2);
  const h = header(1, kind, flags, 0, records.length, sender, seq);
  const f = Buffer.concat([h, ...records.map(recordBytes)]);
  if (key === undefined) return f;
  return Buffer.concat([f, createHmac('sha256', key).update(f).digest().subarray(0, 16)]);
}

/** A frame read back: header fields, the seal block's fields when sealed, the plaintext body. */
export interface ReadFrame {
  version: number;
  kind: number;
  flags: number;
  suite: number;
  count: number;
  sender: number;
  seq: number;
  keyId?: number;
  salt?: Buffer;
  pn?: number;
  peer?: Buffer;
  body: Buffer;
}

/**
 * Reads a frame a server sent. Sealed ones are opened with `key` (the tag must verify:
 * a reply that does not is an error) with the server's direction (2).
 */
export function readFrame(d: Buffer, key?: Buffer): ReadFrame {
  if (d.toString('latin1', 0, 2) !== 'CL') throw new Error('not a clogs frame');
  const f: ReadFrame = {
    version: d[2]!,
    kind: d[3]!,
    flags: d[4]!,
    suite: d[5]!,
    count: d.readUInt16BE(6),
    sender: d.readUInt32BE(8),
    seq: d.readUInt32BE(12),
    body: d.subarray(16),
  };
  if (f.version === 1) {
    if ((f.flags & 2) !== 0) {
      if (key === undefined) throw new Error('a signed v1 reply, and no key');
      const mac = createHmac('sha256', key)
        .update(d.subarray(0, d.length - 16))
        .digest()
        .subarray(0, 16);
      if (!mac.equals(d.subarray(d.length - 16))) throw new Error('v1 trailer does not match');
      f.body = d.subarray(16, d.length - 16);
    }
    return f;
  }
  if (f.suite === SUITE.PLAIN) return f;
  if (key === undefined) throw new Error('a sealed reply, and no key');
  f.keyId = d.readUInt32BE(16);
  f.salt = d.subarray(20, 36);
  f.pn = d.readUInt32BE(36) * 2 ** 32 + d.readUInt32BE(40);
  f.peer = d.subarray(44, 52);
  const ad = d.subarray(0, SEALED_BODY);
  const body = d.subarray(SEALED_BODY, d.length - TAG);
  const dc = decipher(f.suite, sessionKey(key, f.salt, f.suite), nonce(2, f.pn));
  dc.setAuthTag(d.subarray(d.length - TAG));
  if (f.suite === SUITE.AUTH_ONLY) {
    dc.setAAD(d.subarray(0, d.length - TAG), { plaintextLength: 0 });
    dc.final();
    f.body = Buffer.from(body);
  } else {
    dc.setAAD(ad, { plaintextLength: body.length });
    f.body = Buffer.concat([dc.update(body), dc.final()]);
  }
  return f;
}

/** A PONG body: status, caps, window. */
export function pongBody(f: ReadFrame): { status: number; caps: number; window: number } {
  if (f.body.length !== 8) throw new Error(`PONG body of ${f.body.length} bytes`);
  return { status: f.body[0]!, caps: f.body[1]!, window: f.body.readUInt32BE(4) };
}

/** Every seq an ACK acknowledges: its ranges, each inclusive, modulo 2^32. */
export function ackedSeqs(f: ReadFrame): number[] {
  if (f.version === 1) return [f.seq];
  const seqs: number[] = [];
  for (let i = 0; i < f.count; i++) {
    const first = f.body.readUInt32BE(8 * i);
    const last = f.body.readUInt32BE(8 * i + 4);
    for (let s = first; ; s = (s + 1) >>> 0) {
      seqs.push(s);
      if (s === last) break;
    }
  }
  return seqs;
}
