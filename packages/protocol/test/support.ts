import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = fileURLToPath(new URL('../../../docs/vectors/', import.meta.url));
export const PROTOCOL_DOC = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));

/** Bytes of an annotated hex file: hex pairs, with everything after `#` on a line ignored. */
export function parseAnnotatedHex(text: string): Buffer {
  const hex = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) throw new Error('not an annotated hex file');
  return Buffer.from(hex, 'hex');
}

export function readVector(file: string): Buffer {
  return parseAnnotatedHex(readFileSync(VECTORS_DIR + file, 'utf8'));
}

/**
 * Hand-made datagrams for tests, field by field (in the spirit of pg-protocol's
 * BufferList): bytes here come from the spec's layout, never from the encoder under test.
 */
export class FrameBuilder {
  private readonly parts: Buffer[] = [];

  u8(value: number): this {
    this.parts.push(Buffer.from([value]));
    return this;
  }

  u16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value);
    this.parts.push(b);
    return this;
  }

  u32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value);
    this.parts.push(b);
    return this;
  }

  u64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(value);
    this.parts.push(b);
    return this;
  }

  bytes(value: Uint8Array | string): this {
    this.parts.push(typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value));
    return this;
  }

  str8(value: Uint8Array | string): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
    return this.u8(b.length).bytes(b);
  }

  header(kind: number, flags: number, count: number, sender: number, seq: number): this {
    return this.bytes('CL').u8(1).u8(kind).u8(flags).u8(0).u16(count).u32(sender).u32(seq);
  }

  /** A version 2 header: byte 5 is the suite. */
  headerV2(kind: number, flags: number, suite: number, count: number, sender: number, seq: number): this {
    return this.bytes('CL').u8(2).u8(kind).u8(flags).u8(suite).u16(count).u32(sender).u32(seq);
  }

  /** A version 2 seal block: key_id, salt (16), pn (u64), peer (8). */
  sealBlock(keyId: number, salt: Uint8Array, pn: bigint, peer: Uint8Array): this {
    return this.u32(keyId).bytes(salt).u64(pn).bytes(peer);
  }

  record(fields: {
    sysId?: string;
    msgType?: string;
    fileName?: string;
    level?: number;
    timeUs?: bigint;
    headLen?: number;
    reserved?: Uint8Array;
    msg?: Uint8Array | string;
    msgLen?: number;
  }): this {
    const msg = Buffer.from(fields.msg ?? 'hi');
    return this.str8(fields.sysId ?? 'SYS')
      .str8(fields.msgType ?? 'TXT')
      .str8(fields.fileName ?? 'app')
      .u8(fields.level ?? 0)
      .u64(fields.timeUs ?? 1n)
      .u16(fields.headLen ?? 0)
      .str8(fields.reserved ?? new Uint8Array(0))
      .u32(fields.msgLen ?? msg.length)
      .bytes(msg);
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A key id as the spec defines it, computed here with node:crypto alone. */
export function specKeyId(key: Uint8Array): number {
  return createHmac('sha256', key).update('clogs key id').digest().readUInt32BE(0);
}

/**
 * Seals a frame built as header | seal block | body straight from the spec with
 * node:crypto (no code of the package under test): returns header | seal block |
 * ciphertext (or the body, suite 3) | tag.
 */
export function specSeal(unsealed: Buffer, key: Uint8Array): Buffer {
  const kind = unsealed[3]!;
  const suite = unsealed[5]!;
  const info = Buffer.concat([Buffer.from('clogs v2 frame key', 'latin1'), Buffer.from([suite])]);
  const sessionKey = Buffer.from(hkdfSync('sha256', key, unsealed.subarray(20, 36), info, 32));
  const direction = kind === 1 || kind === 2 ? 1 : 2;
  const nonce = Buffer.concat([Buffer.from([direction, 0, 0, 0]), unsealed.subarray(36, 44)]);
  const algorithm = (suite === 2 ? 'aes-256-gcm' : 'chacha20-poly1305') as 'chacha20-poly1305';
  const cipher = createCipheriv(algorithm, sessionKey, nonce, { authTagLength: 16 });
  if (suite === 3) {
    cipher.setAAD(unsealed, { plaintextLength: 0 });
    cipher.final();
    return Buffer.concat([unsealed, cipher.getAuthTag()]);
  }
  const body = unsealed.subarray(52);
  cipher.setAAD(unsealed.subarray(0, 52), { plaintextLength: body.length });
  const ciphertext = Buffer.concat([cipher.update(body), cipher.final()]);
  return Buffer.concat([unsealed.subarray(0, 52), ciphertext, cipher.getAuthTag()]);
}

/** The published test key: bytes 00 01 02 .. 1f. */
export const TEST_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
