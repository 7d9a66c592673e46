/**
 * @clogs/protocol: the clogs wire format, version 1.
 *
 * Writing: {@link BatchWriter} (the client's hot path), {@link encodeLogFrame},
 * {@link ControlFrameEncoder} / {@link encodeControlFrame}.
 * Reading: {@link decodeFrame} (or a {@link FrameDecoder} for many frames), or {@link decodeHeader} + {@link RecordCursor} to read
 * records in place. Checking a record before accepting it: {@link recordByteLength}.
 * Levels: the table {@link LEVELS}, {@link parseLevel}, {@link levelName}.
 * Every error is a {@link ProtocolError} with a stable `code`. {@link ClogsError} is the
 * base of every clogs package's errors: one brand, one message format ({@link formatErrorMessage}).
 */
export { type AuthKey, createAuthKey } from './auth.js';
export {
  BatchWriter,
  type BatchWriterOptions,
  type EncodeLogFrameOptions,
  encodeLogFrame,
} from './batch-writer.js';
export { asBuffer } from './bytes.js';
export { nowUs } from './clock.js';
export {
  brandErrorClass,
  CLOGS_ERROR_BRAND,
  ClogsError,
  type ClogsErrorOptions,
  formatErrorMessage,
} from './clogs-error.js';
export {
  COUNT_MAX,
  type ControlKind,
  DEFAULT_MAX_DATAGRAM_BYTES,
  FILE_NAME_MAX_BYTES,
  Flag,
  HEAD_LEN_MAX,
  HEADER_BYTES,
  Kind,
  MAGIC,
  MAX_DATAGRAM_BYTES,
  MSG_TYPE_MAX_BYTES,
  maxRecordBytes,
  RECORD_OVERHEAD_BYTES,
  RESERVED_MAX_BYTES,
  SYS_ID_MAX_BYTES,
  TRAILER_BYTES,
  VERSION,
} from './constants.js';
export { ControlFrameEncoder, encodeControlFrame } from './control-frame.js';
export { type DecodeFrameOptions, decodeFrame, type Frame, FrameDecoder } from './decode-frame.js';
export {
  AuthError,
  FieldError,
  FrameError,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorDetails,
} from './errors.js';
export { type DecodeOptions, decodeHeader, type FrameHeader } from './header.js';
export {
  describeLevels,
  LEVEL_ALIASES,
  LEVEL_NAMES,
  LEVELS,
  Level,
  type LevelAlias,
  type LevelInfo,
  type LevelInput,
  type LevelName,
  levelFromPino,
  levelName,
  MAX_LEVEL,
  parseLevel,
} from './level.js';
export { recordByteLength } from './record-checks.js';
export { RecordCursor } from './record-cursor.js';
export type { LogRecord, LogRecordInput, RecordCheckOptions } from './record-types.js';
