import { ProtocolError } from './errors.js';

/** Any Uint8Array as a Buffer over the same memory (no copy); anything else is refused. */
export function asBuffer(data: Uint8Array): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (!(data instanceof Uint8Array)) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'a datagram must be a Buffer or Uint8Array');
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Reads a big-endian u32. */
export function readU32(buf: Uint8Array, at: number): number {
  return buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}
