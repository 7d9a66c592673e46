/**
 * clogs-server: the reference clogs log server, in-process (`createServer`) or as the
 * `clogs-server` command. Answers pings, acknowledges and dedupes LOG frames, and
 * writes one line per record under `<dataDir>/<sys_id>/<file_name>.log` through an
 * async buffered writer.
 */

export { ExitCode, main, type ServerCliIo } from './cli.js';
export { ServerError, type ServerErrorCode } from './errors.js';
export { readKeyFile } from './key-file.js';
export {
  LIVE_OPTIONS,
  type LiveConfig,
  type LiveOption,
  type LiveSettings,
  SYS_OPTIONS,
  type SysConfig,
  type SysOption,
} from './live-options.js';
export {
  EXPOSITION_CONTENT_TYPE,
  formatExposition,
  type MetricFamily,
  type MetricSample,
  type MetricsCollector,
  MetricsRegistry,
  type MetricType,
} from './metrics/exposition.js';
export {
  type MetricsAddress,
  type MetricsEndpoint,
  parseMetricsAddress,
  serveMetrics,
} from './metrics/metrics-endpoint.js';
export { startServerMetrics } from './metrics/server-endpoint.js';
export { SERVER_METRICS, serverMetrics } from './metrics/server-metrics.js';
export type { Faults, ServerOptions } from './options.js';
export { ClogsServer, createServer, type ServerAddress } from './server.js';
export type { DropReason, ServerStats } from './stats.js';
export { type ParsedLine, parseLine, type Sealed } from './writer/line-format.js';
export type { WriterStats } from './writer/log-writer.js';
