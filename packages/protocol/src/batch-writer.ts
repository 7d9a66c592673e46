import type { KeyObject } from 'node:crypto';
import { type AuthKey, createAuthKey, writeTrailer } from './auth.js';
import {
  DEFAULT_MAX_DATAGRAM_BYTES,
  Flag,
  HEADER_BYTES,
  Kind,
  MAX_DATAGRAM_BYTES,
  maxRecordBytes,
  RECORD_OVERHEAD_BYTES,
  TRAILER_BYTES,
} from './constants.js';
import { FrameError, ProtocolError } from './errors.js';
import { writeHeader } from './header.js';
import { recordTooLarge } from './record-checks.js';
import { RecordEncoder } from './record-encoder.js';
import type { LogRecordInput } from './record-types.js';

/** Smallest possible record: one byte each for sys_id, msg_type and file_name, empty msg. */
const MIN_RECORD_BYTES = RECORD_OVERHEAD_BYTES + 3;

export interface BatchWriterOptions {
  /** This client's random sender id (u32), written in every frame header. */
  sender: number;
  /** Frame budget in bytes, trailer included. Default 1,432; at most 65,507. */
  maxDatagramBytes?: number | undefined;
  /** With a key every frame carries the AUTH flag and an HMAC trailer. */
  key?: AuthKey | undefined;
  /** A buffer to write into instead of allocating one; at least `maxDatagramBytes` long. */
  buffer?: Buffer | undefined;
}

function badArgument(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', message);
}

function checkU32(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw badArgument(`${name} must be an integer 0..2^32-1, not ${String(value)}`);
  }
}

/**
 * Builds LOG frames in one preallocated buffer, one record at a time, with no copy at
 * the end: records are written in place after room for the header, and `finish()`
 * fills the header (and trailer) around them.
 *
 * ```ts
 * const w = new BatchWriter({ sender });
 * if (!w.append(rec)) { send(w.finish(seq++)); w.reset(); w.append(rec); }
 * ```
 *
 * A record larger than the budget but within 65,507 bytes goes alone in a frame of its
 * own (a one-off buffer); a record that can never fit throws `ERR_PROTOCOL_RECORD_TOO_LARGE`.
 */
export class BatchWriter {
  readonly sender: number;
  readonly maxDatagramBytes: number;
  private readonly key: KeyObject | undefined;
  private readonly trailer: number;
  private readonly maxRecordBytes: number;
  private readonly encoder = new RecordEncoder();
  private main: Buffer;
  private buf: Buffer;
  private pos = HEADER_BYTES;
  private limit: number;
  private n = 0;
  private finished = false;

  constructor(options: BatchWriterOptions) {
    const max = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
    checkU32(options.sender, 'sender');
    this.key = options.key === undefined ? undefined : createAuthKey(options.key);
    this.trailer = this.key === undefined ? 0 : TRAILER_BYTES;
    const least = HEADER_BYTES + MIN_RECORD_BYTES + this.trailer;
    if (!Number.isInteger(max) || max < least || max > MAX_DATAGRAM_BYTES) {
      throw badArgument(
        `maxDatagramBytes must be an integer ${least}..${MAX_DATAGRAM_BYTES}, not ${String(max)}`,
      );
    }
    this.sender = options.sender;
    this.maxDatagramBytes = max;
    this.maxRecordBytes = maxRecordBytes(this.key !== undefined);
    this.main = this.checkBuffer(options.buffer) ?? Buffer.allocUnsafe(max);
    this.buf = this.main;
    this.limit = max - this.trailer;
  }

  /** Records in the open frame. */
  get count(): number {
    return this.n;
  }

  /** Size the frame would have if finished now, trailer included. */
  get byteLength(): number {
    return this.pos + this.trailer;
  }

  /**
   * Appends a record to the open frame. `false` when it does not fit: finish and send
   * the frame, `reset()`, and append again (an empty frame always takes it).
   * @throws {FieldError} when a field breaks a rule; the frame is left as it was.
   */
  append(record: LogRecordInput): boolean {
    if (this.finished) throw badArgument('append() after finish(): call reset() first');
    const end = this.encoder.write(this.buf, this.pos, this.limit, record);
    if (end > 0) {
      this.pos = end;
      this.n++;
      return true;
    }
    const size = -end;
    if (size > this.maxRecordBytes) throw recordTooLarge(size, this.key !== undefined);
    if (this.n !== 0) return false;
    // Too big for the budget but not for UDP: a frame of its own, sized exactly. It is
    // written before any state changes, so a throw leaves the writer as it was.
    const spill = Buffer.allocUnsafe(HEADER_BYTES + size + this.trailer);
    const spillEnd = this.encoder.write(spill, HEADER_BYTES, HEADER_BYTES + size, record);
    if (spillEnd < 0) throw badArgument('the record changed while it was being written');
    this.buf = spill;
    this.pos = spillEnd;
    this.n = 1;
    // The one-off frame is full: the next append reports "does not fit".
    this.limit = spillEnd;
    return true;
  }

  /**
   * Writes the header (and AUTH trailer) and returns the datagram: a view into the
   * writer's buffer, valid until `reset()` with no argument reuses that buffer.
   * @param seq batch sequence number (u32).
   * @param flags `Flag.ACK_WANTED` or 0; AUTH is set by the writer when it has a key.
   */
  finish(seq: number, flags = 0): Buffer {
    if (this.finished) throw badArgument('finish() called twice: call reset() first');
    if (this.n === 0) throw new FrameError('ERR_PROTOCOL_BAD_COUNT', 'a LOG frame needs at least one record');
    checkU32(seq, 'seq');
    if (flags !== 0 && flags !== Flag.ACK_WANTED)
      throw badArgument('finish() takes only Flag.ACK_WANTED or 0');
    const buf = this.buf;
    writeHeader(buf, Kind.LOG, this.key === undefined ? flags : flags | Flag.AUTH, this.n, this.sender, seq);
    this.finished = true;
    const length = this.key === undefined ? this.pos : writeTrailer(buf, this.pos, this.key);
    return buf.subarray(0, length);
  }

  /**
   * Opens a new, empty frame. With `buffer` (for instance one taken from a pool while
   * the last frame is still being sent) the writer writes there from now on; without,
   * it reuses its current buffer.
   */
  reset(buffer?: Buffer): void {
    const next = this.checkBuffer(buffer);
    if (next !== undefined) this.main = next;
    this.buf = this.main;
    this.limit = this.maxDatagramBytes - this.trailer;
    this.pos = HEADER_BYTES;
    this.n = 0;
    this.finished = false;
  }

  private checkBuffer(buffer: Buffer | undefined): Buffer | undefined {
    if (buffer !== undefined && (!Buffer.isBuffer(buffer) || buffer.length < this.maxDatagramBytes)) {
      throw badArgument(
        `buffer must be a Buffer of at least maxDatagramBytes (${this.maxDatagramBytes}) bytes`,
      );
    }
    return buffer;
  }
}

export interface EncodeLogFrameOptions {
  sender: number;
  seq: number;
  /** `Flag.ACK_WANTED` or 0. */
  flags?: number | undefined;
  key?: AuthKey | undefined;
}

/**
 * Encodes records into one LOG frame of exactly the needed size (tools and tests; the
 * client's hot path uses a {@link BatchWriter}).
 * @throws {ProtocolError} when a record is bad or the records do not fit in one datagram.
 */
export function encodeLogFrame(records: readonly LogRecordInput[], options: EncodeLogFrameOptions): Buffer {
  const writer = new BatchWriter({
    sender: options.sender,
    maxDatagramBytes: MAX_DATAGRAM_BYTES,
    key: options.key,
  });
  for (const record of records) {
    if (!writer.append(record)) {
      throw new FrameError(
        'ERR_PROTOCOL_RECORD_TOO_LARGE',
        `records do not fit in one ${MAX_DATAGRAM_BYTES}-byte datagram`,
      );
    }
  }
  return Buffer.from(writer.finish(options.seq, options.flags ?? 0));
}
