/**
 * @clogs/client: non-blocking batched logging over UDP to a fleet of clogs servers,
 * ketama routing, ping/pong isolation and recovery.
 */
export {
  type ClientStats,
  ClogsClient,
  createClient,
  type DownEvent,
  type DropReason,
  type LogOptions,
  type ServerState,
} from './client.js';
export type { ConfigEvent, DiscoveryOptions, DiscoveryState, FleetEvent } from './discovery/discovery.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export type { HealthReason, HealthState } from './health/ping-tracker.js';
export type { ClientOptions, LevelInput, RouteMode } from './options.js';
export {
  Continuum,
  KetamaPoints,
  ketamaDigests,
  ketamaHash,
  type RingNode,
  RouteCache,
} from './ring/index.js';
export { parseServer, type ServerInput, type ServerSpec } from './server-spec.js';
