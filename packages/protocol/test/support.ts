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
