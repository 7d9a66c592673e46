/**
 * @clogs/client: non-blocking batched logging over UDP to a fleet of clogs servers,
 * ketama routing, ping/pong isolation and recovery.
 */

// The key helpers, so a user of the client (and the transports) need not depend on the protocol package.
// Every clogs error's base, for a transport's own errors and for `instanceof ClogsError`.
export {
  brandErrorClass,
  CLOGS_ERROR_BRAND,
  ClogsError,
  type ClogsErrorOptions,
  createFrameKey,
  type FrameKey,
  formatErrorMessage,
  parseKeyFile,
  readKeyFile,
  writeNewKeyFile,
} from '@clogs/protocol';
export { ChildLogger } from './api/child-logger.js';
export { DrainGate } from './api/drain-gate.js';
export { levelFromName, levelFromPino } from './api/level-bands.js';
export type { Bindings, LogSink, RecordOptions } from './api/log-sink.js';
export { LogStream, type LogStreamOptions, type StreamRecord } from './api/log-stream.js';
export { type PinoHead, pinoTimeUs, readPinoHead } from './api/pino-line.js';
export {
  describeClose,
  TRANSPORT_EVENTS,
  type TransportCloseSummary,
  type TransportEvent,
  TransportKit,
  type TransportKitOptions,
} from './api/transport-kit.js';
export type { MarkSettled } from './batch/mark-book.js';
export { ClogsClient, createClient } from './client.js';
export type {
  ClientStats,
  DownEvent,
  DropEvent,
  DropReason,
  LogOptions,
  ServerState,
} from './client-types.js';
export type { ConfigEvent, DiscoveryState, FleetEvent } from './discovery/discovery.js';
export type { DiscoveryOptions } from './discovery/discovery-options.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export type { HealthReason, HealthState } from './health/ping-tracker.js';
export {
  type CipherName,
  type ClientOptions,
  DEFAULT_REDACT_PAN,
  type LevelInput,
  type RouteMode,
  resolveRedact,
} from './options.js';
export {
  Continuum,
  KetamaPoints,
  ketamaDigests,
  ketamaHash,
  type RingNode,
  RouteCache,
} from './ring/index.js';
export { parseServer, type ServerInput, type ServerSpec } from './server-spec.js';
export type { SpoolFsync, SpoolOptions } from './spool/spool-options.js';
export type { SpoolStats } from './spool/spool-stats.js';
