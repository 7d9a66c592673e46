import { brandErrorClass, ClogsError, type ClogsErrorOptions } from './clogs-error.js';

/**
 * Stable error codes. A code never changes meaning once released; messages may.
 * Decoding throws only these, wrapped in a {@link ProtocolError} subclass.
 */
export type ProtocolErrorCode =
  // frame structure
  | 'ERR_PROTOCOL_TRUNCATED'
  | 'ERR_PROTOCOL_DATAGRAM_TOO_LARGE'
  | 'ERR_PROTOCOL_BAD_MAGIC'
  | 'ERR_PROTOCOL_BAD_VERSION'
  | 'ERR_PROTOCOL_BAD_KIND'
  | 'ERR_PROTOCOL_BAD_FLAGS'
  | 'ERR_PROTOCOL_BAD_ZERO'
  | 'ERR_PROTOCOL_BAD_SUITE'
  | 'ERR_PROTOCOL_BAD_SEQ'
  | 'ERR_PROTOCOL_BAD_RANGE'
  | 'ERR_PROTOCOL_BAD_COUNT'
  | 'ERR_PROTOCOL_TRAILING_BYTES'
  // record fields
  | 'ERR_PROTOCOL_FIELD_EMPTY'
  | 'ERR_PROTOCOL_FIELD_TOO_LONG'
  | 'ERR_PROTOCOL_BAD_CHARSET'
  | 'ERR_PROTOCOL_BAD_FILE_NAME'
  | 'ERR_PROTOCOL_BAD_LEVEL'
  | 'ERR_PROTOCOL_BAD_TIME'
  | 'ERR_PROTOCOL_BAD_HEAD_LEN'
  | 'ERR_PROTOCOL_BAD_MESSAGE'
  | 'ERR_PROTOCOL_RECORD_TOO_LARGE'
  // AUTH trailer
  | 'ERR_PROTOCOL_BAD_AUTH'
  | 'ERR_PROTOCOL_AUTH_REQUIRED'
  | 'ERR_PROTOCOL_AUTH_UNEXPECTED'
  // version 2 sealing: keys and replay
  | 'ERR_PROTOCOL_UNKNOWN_KEY'
  | 'ERR_PROTOCOL_BAD_PEER'
  | 'ERR_PROTOCOL_WEAK_KEY'
  | 'ERR_PROTOCOL_KEY_FILE_MODE'
  | 'ERR_PROTOCOL_KEY_FILE'
  // a caller passed an argument this package cannot use (never thrown by decoding)
  | 'ERR_PROTOCOL_BAD_ARGUMENT';

export interface ProtocolErrorDetails extends ClogsErrorOptions {
  /** The wire field that breaks the rule, as the spec names it (`sys_id`, `count`, ...). */
  field?: string | undefined;
  /** Byte offset of that field in the datagram (decoding only). */
  offset?: number | undefined;
}

/** Base class of every error this package throws. Switch on `code`, not on the message. */
export class ProtocolError extends ClogsError<ProtocolErrorCode> {
  static {
    brandErrorClass(ProtocolError, 'clogs.error.protocol');
  }

  override name = 'ProtocolError';
  readonly field: string | undefined;
  readonly offset: number | undefined;

  constructor(code: ProtocolErrorCode, message: string, details: ProtocolErrorDetails = {}) {
    const where =
      details.offset === undefined
        ? ''
        : ` at offset ${details.offset}${details.field ? ` (${details.field})` : ''}`;
    super(code, `${message}${where}`, details);
    this.field = details.field;
    this.offset = details.offset;
  }
}

/** The datagram as a whole breaks a rule: header, count, length, kind. */
export class FrameError extends ProtocolError {
  static {
    brandErrorClass(FrameError, 'clogs.error.protocol.frame');
  }

  override name = 'FrameError';
}

/** One record field breaks a rule, when encoding (at `log()` time) or decoding. */
export class FieldError extends ProtocolError {
  static {
    brandErrorClass(FieldError, 'clogs.error.protocol.field');
  }

  override name = 'FieldError';
}

/**
 * The AUTH trailer or the AEAD tag is wrong, missing, or present where no key is
 * configured; the key id is unknown; a sealed frame is bound to another peer.
 */
export class AuthError extends ProtocolError {
  static {
    brandErrorClass(AuthError, 'clogs.error.protocol.auth');
  }

  override name = 'AuthError';
}
