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
  SEAL_BLOCK_BYTES,
  SEALED_BODY_OFFSET,
  TAG_BYTES,
  TRAILER_BYTES,
  VERSION,
  VERSION_1,
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
  /** Frame budget in bytes, seal block, tag or trailer included. Default 1,432; at most 65,507. */
  maxDatagramBytes?: number | undefined;
  /**
   * Version 2 (the default): leave room for the seal block after the header (records
   * start at 52) and for the tag after the records, for `SealSession.seal()`.
   */
  sealed?: boolean | undefined;
  /** The version written: 2 by default, 1 when `key` is given (for version 1 peers, tools, tests). */
  version?: 1 | 2 | undefined;
  /** Version 1 only: every frame carries the AUTH flag and an HMAC trailer. */
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
  readonly version: 1 | 2;
  readonly sealed: boolean;
  private readonly key: KeyObject | undefined;
  /** Where records start: after the header, and after the seal block when sealed. */
  private readonly start: number;
  /** Bytes after the records: the v1 trailer or the v2 tag room. */
  private readonly trailer: number;
  private readonly maxRecordBytes: number;
  private readonly encoder = new RecordEncoder();
  private main: Buffer;
  private buf: Buffer;
  private pos: number;
  private limit: number;
  private n = 0;
  /** Where the record the last append() wrote starts. */
  private lastStart = 0;
  private finished = false;

  constructor(options: BatchWriterOptions) {
    const max = options.maxDatagramBytes ?? DEFAULT_MAX_DATAGRAM_BYTES;
    checkU32(options.sender, 'sender');
    const version = options.version ?? (options.key === undefined ? VERSION : VERSION_1);
    if (version !== VERSION && version !== VERSION_1)
      throw badArgument(`version must be 1 or 2, not ${String(version)}`);
    const sealed = options.sealed === true;
    if (version === VERSION && options.key !== undefined) {
      throw badArgument('key is the version 1 HMAC key: version 2 frames are sealed with a SealSession');
    }
    if (version === VERSION_1 && sealed) throw badArgument('version 1 frames cannot be sealed');
    this.version = version;
    this.sealed = sealed;
    this.key = options.key === undefined ? undefined : createAuthKey(options.key);
    this.start = sealed ? SEALED_BODY_OFFSET : HEADER_BYTES;
    this.trailer = sealed ? TAG_BYTES : this.key === undefined ? 0 : TRAILER_BYTES;
    this.pos = this.start;
    const least = this.start + MIN_RECORD_BYTES + this.trailer;
    if (!Number.isInteger(max) || max < least || max > MAX_DATAGRAM_BYTES) {
      throw badArgument(
        `maxDatagramBytes must be an integer ${least}..${MAX_DATAGRAM_BYTES}, not ${String(max)}`,
      );
    }
    this.sender = options.sender;
    this.maxDatagramBytes = max;
    this.maxRecordBytes = maxRecordBytes(this.start - HEADER_BYTES + this.trailer);
    this.main = this.checkBuffer(options.buffer) ?? Buffer.allocUnsafe(max);
    this.buf = this.main;
    this.limit = max - this.trailer;
  }

  /** Records in the open frame. */
  get count(): number {
    return this.n;
  }

  /** Size the frame would have if finished now, seal block, tag or trailer included. */
  /**
   * The bytes of the record the last append() wrote, in the wire layout: a view, valid
   * until the writer writes again (append, finish, reset). For copying a record
   * elsewhere (a client's disk spool) without encoding it twice.
   */
  get lastRecord(): Buffer {
    return this.buf.subarray(this.lastStart, this.pos);
  }

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
      this.lastStart = this.pos;
      this.pos = end;
      this.n++;
      return true;
    }
    const size = -end;
    if (size > this.maxRecordBytes) throw recordTooLarge(size, this.start - HEADER_BYTES + this.trailer);
    if (this.n !== 0) return false;
    // Too big for the budget but not for UDP: a frame of its own, sized exactly. It is
    // written before any state changes, so a throw leaves the writer as it was.
    const spill = Buffer.allocUnsafe(this.start + size + this.trailer);
    const spillEnd = this.encoder.write(spill, this.start, this.start + size, record);
    if (spillEnd < 0) throw badArgument('the record changed while it was being written');
    this.buf = spill;
    this.lastStart = this.start;
    this.pos = spillEnd;
    this.n = 1;
    // The one-off frame is full: the next append reports "does not fit".
    this.limit = spillEnd;
    return true;
  }

  /**
   * Writes the header (and the version 1 AUTH trailer) and returns the datagram: a view
   * into the writer's buffer, valid until `reset()` with no argument reuses that buffer.
   * Sealed, the seal block is zeroed and the tag room (16 bytes) ends the view: the frame
   * is ready for `SealSession.seal()`.
   * @param seq frame sequence number (u32).
   * @param flags `Flag.ACK_WANTED` or 0; AUTH is set by the writer when it has a key.
   */
  finish(seq: number, flags = 0): Buffer {
    if (this.finished) throw badArgument('finish() called twice: call reset() first');
    if (this.n === 0) throw new FrameError('ERR_PROTOCOL_BAD_COUNT', 'a LOG frame needs at least one record');
    checkU32(seq, 'seq');
    if (flags !== 0 && flags !== Flag.ACK_WANTED)
      throw badArgument('finish() takes only Flag.ACK_WANTED or 0');
    const buf = this.buf;
    const allFlags = this.key === undefined ? flags : flags | Flag.AUTH;
    writeHeader(buf, Kind.LOG, allFlags, this.n, this.sender, seq, this.version);
    this.finished = true;
    if (this.sealed) {
      buf.fill(0, HEADER_BYTES, HEADER_BYTES + SEAL_BLOCK_BYTES);
      return buf.subarray(0, this.pos + TAG_BYTES);
    }
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
    this.pos = this.start;
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
