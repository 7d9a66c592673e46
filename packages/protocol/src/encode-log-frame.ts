import type { AuthKey } from './auth.js';
import { BatchWriter } from './batch-writer.js';
import { MAX_DATAGRAM_BYTES } from './constants.js';
import { FrameError, ProtocolError } from './errors.js';
import type { LogRecordInput } from './record-types.js';
import type { SealSession } from './seal-session.js';

function badArgument(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', message);
}

export interface EncodeLogFrameOptions {
  sender: number;
  seq: number;
  /** `Flag.ACK_WANTED` or 0. */
  flags?: number | undefined;
  /** As {@link BatchWriterOptions}: 2 by default, 1 with `key`. */
  version?: 1 | 2 | undefined;
  /** Version 1 HMAC key. */
  key?: AuthKey | undefined;
  /** Version 2: seal the frame with this session for `peer`. */
  session?: SealSession | undefined;
  /** The boot the sealed frame is bound to (8 bytes). */
  peer?: Uint8Array | undefined;
}

/**
 * Encodes records into one LOG frame of exactly the needed size (tools and tests; the
 * client's hot path uses a {@link BatchWriter}).
 * @throws {ProtocolError} when a record is bad or the records do not fit in one datagram.
 */
export function encodeLogFrame(records: readonly LogRecordInput[], options: EncodeLogFrameOptions): Buffer {
  const session = options.session;
  const writer = new BatchWriter({
    sender: options.sender,
    maxDatagramBytes: MAX_DATAGRAM_BYTES,
    key: options.key,
    version: options.version,
    sealed: session !== undefined,
  });
  for (const record of records) {
    if (!writer.append(record)) {
      throw new FrameError(
        'ERR_PROTOCOL_RECORD_TOO_LARGE',
        `records do not fit in one ${MAX_DATAGRAM_BYTES}-byte datagram`,
      );
    }
  }
  const frame = Buffer.from(writer.finish(options.seq, options.flags ?? 0));
  if (session !== undefined) {
    if (options.peer === undefined) throw badArgument('a sealed LOG frame needs the peer it is bound to');
    session.seal(frame, options.peer);
  }
  return frame;
}
