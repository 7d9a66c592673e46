import { ProtocolError } from './errors.js';

/** Any Uint8Array as a Buffer over the same memory (no copy); anything else is refused. */
export function asBuffer(data: Uint8Array): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (!(data instanceof Uint8Array)) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'a datagram must be a Buffer or Uint8Array');
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
