import { performance } from 'node:perf_hooks';
import type { ClogsServer } from '../server.js';
import { MetricsRegistry } from './exposition.js';
import { type MetricsAddress, type MetricsEndpoint, serveMetrics } from './metrics-endpoint.js';
import { serverMetrics } from './server-metrics.js';

/**
 * `clogs-server --metrics`: serves the server's metrics, one stats snapshot per scrape.
 * @throws {ServerError} `ERR_SERVER_LISTEN` when the address cannot be bound.
 */
export function startServerMetrics(server: ClogsServer, address: MetricsAddress): Promise<MetricsEndpoint> {
  const started = performance.now();
  const registry = new MetricsRegistry().add(() =>
    serverMetrics(server.stats(), (performance.now() - started) / 1000),
  );
  return serveMetrics(address, () => registry.render());
}
