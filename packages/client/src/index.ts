/**
 * @clogs/client: non-blocking batched logging over UDP to a fleet of clogs servers,
 * ketama routing, ping/pong isolation and recovery.
 */
export { ClogsClient, createClient } from './client.js';
export type {
  ClientStats,
  DownEvent,
  DropEvent,
  DropReason,
  LogOptions,
  ServerState,
} from './client-types.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export type { HealthReason, HealthState } from './health/ping-tracker.js';
export type { ClientOptions, LevelInput, RouteMode } from './options.js';
export { Continuum, ketamaDigests, ketamaHash, type RingNode, RouteCache } from './ring/index.js';
export { parseServer, type ServerInput, type ServerSpec } from './server-spec.js';
