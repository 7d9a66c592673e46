/**
 * @clogs/protocol: the clogs wire format, versions 2 and 1.
 *
 * Writing: {@link BatchWriter} (the client's hot path), {@link encodeLogFrame},
 * {@link encodePing} / {@link encodePong} / {@link encodeAck} (version 2),
 * {@link ControlFrameEncoder} / {@link encodeControlFrame} (version 1).
 * Sealing: {@link SealSession} with a {@link FrameKey} ({@link readKeyFile}, {@link writeNewKeyFile}).
 * Reading: {@link decodeFrame} (or a {@link FrameDecoder} for many frames), or {@link decodeHeader} + {@link RecordCursor} to read
 * records in place; sealed frames are opened with a {@link KeyRing}. Checking a record before accepting it: {@link recordByteLength}.
 * Levels: the table {@link LEVELS}, {@link parseLevel}, {@link levelName}.
 * Card numbers: {@link PanFinder} finds them, {@link Redactor} masks them (and custom patterns).
 * Every error is a {@link ProtocolError} with a stable `code`. {@link ClogsError} is the
 * base of every clogs package's errors: one brand, one message format ({@link formatErrorMessage}).
 */
export { type AuthKey, createAuthKey } from './auth.js';
export { BatchWriter, type BatchWriterOptions } from './batch-writer.js';
export { asBuffer, readU32 } from './bytes.js';
export { nowUs } from './clock.js';
export {
  brandErrorClass,
  CLOGS_ERROR_BRAND,
  ClogsError,
  type ClogsErrorOptions,
  formatErrorMessage,
} from './clogs-error.js';
export {
  ACCEPTED_VERSIONS,
  ACK_RANGE_BYTES,
  BOOT_BYTES,
  COUNT_MAX,
  type ControlKind,
  DEFAULT_MAX_DATAGRAM_BYTES,
  FILE_NAME_MAX_BYTES,
  Flag,
  HEAD_LEN_MAX,
  HEADER_BYTES,
  KEY_ID_OFFSET,
  Kind,
  LOOPBACK_MAX_DATAGRAM_BYTES,
  MAGIC,
  MAX_ACK_RANGES,
  MAX_DATAGRAM_BYTES,
  MIN_SEALED_FRAME_BYTES,
  MSG_TYPE_MAX_BYTES,
  maxRecordBytes,
  PEER_OFFSET,
  PN_OFFSET,
  PONG_BODY_BYTES,
  PongStatus,
  RECORD_OVERHEAD_BYTES,
  RESERVED_MAX_BYTES,
  SALT_BYTES,
  SALT_OFFSET,
  SEAL_BLOCK_BYTES,
  SEALED_BODY_OFFSET,
  SEALED_OVERHEAD_BYTES,
  SYS_ID_MAX_BYTES,
  TAG_BYTES,
  TRAILER_BYTES,
  VERSION,
  VERSION_1,
} from './constants.js';
export { ControlFrameEncoder, encodeControlFrame } from './control-frame.js';
export {
  decodePong,
  encodeAck,
  encodePing,
  encodePong,
  forEachAckRange,
  type PongBody,
} from './control-frame-v2.js';
export { type DecodeFrameOptions, decodeFrame, type Frame, FrameDecoder } from './decode-frame.js';
export { type EncodeLogFrameOptions, encodeLogFrame } from './encode-log-frame.js';
export {
  AuthError,
  FieldError,
  FrameError,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorDetails,
} from './errors.js';
export { type DecodeOptions, decodeHeader, type FrameHeader } from './header.js';
export { KeyRing, type KeyRingOptions } from './key-ring.js';
export {
  createFrameKey,
  type FrameKey,
  keyIdOf,
  MIN_DISTINCT_KEY_BYTES,
  MIN_KEY_BYTES,
  parseKeyFile,
  readKeyFile,
  writeNewKeyFile,
} from './keys.js';
export {
  DEFAULT_LEVEL,
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
export { makeDirsSync } from './make-dirs.js';
export { PAN_MAX_DIGITS, PAN_MIN_DIGITS, PanFinder, type PanFinderOptions, type PanSource } from './pan.js';
export { IIN_RANGES, luhnValid, panBrand } from './pan-brands.js';
export { type RedactOptions, Redactor } from './pan-redactor.js';
export { recordByteLength } from './record-checks.js';
export { RecordCursor } from './record-cursor.js';
export type { LogRecord, LogRecordInput, RecordCheckOptions } from './record-types.js';
export { SealSession, type SealSessionOptions } from './seal-session.js';
export { type SealedSuite, Suite, type SuiteName, suiteFromName, suiteName } from './suite.js';
