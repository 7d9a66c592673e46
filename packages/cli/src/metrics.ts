import type { ClientStats, HealthState, ServerState } from '@clogs/client';
import {
  type ClogsServer,
  type MetricFamily,
  type MetricsAddress,
  type MetricsEndpoint,
  MetricsRegistry,
  type MetricType,
  serveMetrics,
  serverMetrics,
} from 'clogs-server';

type Num = number | undefined;

/** A per-server number of {@link ServerState}, as a metric: undefined values give no sample. */
interface PerServer {
  name: string;
  type: MetricType;
  help: string;
  value: (s: ServerState) => Num;
}

const HEALTH_STATES: readonly HealthState[] = ['probing', 'up', 'down'];

const ms = (v: Num) => (v === undefined ? undefined : v / 1000);

const PER_SERVER: PerServer[] = [
  {
    name: 'clogs_client_server_up',
    type: 'gauge',
    help: '1 while the server takes records, 0 while it is probed or down.',
    value: (s) => Number(s.up),
  },
  {
    name: 'clogs_client_server_rtt_seconds',
    type: 'gauge',
    help: 'Last ping round trip.',
    value: (s) => ms(s.rttMs),
  },
  {
    name: 'clogs_client_server_min_rtt_seconds',
    type: 'gauge',
    help: 'Least ACK round trip of the last 10 s (after the first ACK).',
    value: (s) => ms(s.minRttMs),
  },
  {
    name: 'clogs_client_server_rto_seconds',
    type: 'gauge',
    help: 'The ACK timeout after which a frame is resent.',
    value: (s) => ms(s.rtoMs),
  },
  {
    name: 'clogs_client_server_window_bytes',
    type: 'gauge',
    help: 'Bytes allowed in flight now.',
    value: (s) => s.windowBytes,
  },
  {
    name: 'clogs_client_server_inflight_bytes',
    type: 'gauge',
    help: 'Bytes sent and not yet acknowledged.',
    value: (s) => s.inflightBytes,
  },
  {
    name: 'clogs_client_server_unacked_frames',
    type: 'gauge',
    help: 'Frames awaiting an ACK.',
    value: (s) => s.unacked,
  },
  {
    name: 'clogs_client_server_queued_records',
    type: 'gauge',
    help: 'Records queued for this server, not yet sent.',
    value: (s) => s.queuedRecords,
  },
  {
    name: 'clogs_client_server_delivery_rate_bytes_per_second',
    type: 'gauge',
    help: 'Measured delivery rate (0 before the first ACK).',
    value: (s) => s.deliveryRate * 1000,
  },
  {
    name: 'clogs_client_server_share_ratio',
    type: 'gauge',
    help: 'Share of the routing continuum (0 when down).',
    value: (s) => s.share,
  },
  {
    name: 'clogs_client_server_sent_frames_total',
    type: 'counter',
    help: 'Frames sent to the server.',
    value: (s) => s.framesSent,
  },
  {
    name: 'clogs_client_server_sent_records_total',
    type: 'counter',
    help: 'Records sent to the server.',
    value: (s) => s.recordsSent,
  },
  {
    name: 'clogs_client_server_sent_bytes_total',
    type: 'counter',
    help: 'Datagram bytes sent to the server.',
    value: (s) => s.bytesSent,
  },
  {
    name: 'clogs_client_server_send_errors_total',
    type: 'counter',
    help: 'Sends to the server that failed.',
    value: (s) => s.sendErrors,
  },
  {
    name: 'clogs_client_server_acked_frames_total',
    type: 'counter',
    help: 'Frames the server acknowledged.',
    value: (s) => s.framesAcked,
  },
  {
    name: 'clogs_client_server_resent_frames_total',
    type: 'counter',
    help: 'Frames resent for want of an ACK.',
    value: (s) => s.framesResent,
  },
];

const counter = (name: string, help: string, value: number): MetricFamily => ({
  name,
  type: 'counter',
  help,
  samples: [{ value }],
});
const gauge = (name: string, help: string, value: number): MetricFamily => ({
  name,
  type: 'gauge',
  help,
  samples: [{ value }],
});

/**
 * The client's metrics, read from one {@link ClientStats} snapshot per scrape. Record
 * counts are the session's (they go on across `.ack`); per-server counters are the
 * current client's, and start again from 0 when `.ack` replaces it.
 */
export function clientMetrics(s: ClientStats): MetricFamily[] {
  const families: MetricFamily[] = [
    counter('clogs_client_records_logged_total', 'Records log() accepted.', s.accepted),
    counter(
      'clogs_client_records_sent_total',
      'Records handed to the network (a re-routed record counts again).',
      s.sent,
    ),
    counter('clogs_client_records_acked_total', 'Records a server acknowledged (at-least-once).', s.acked),
    counter('clogs_client_records_refused_total', 'Records log() refused as malformed.', s.refused),
    counter(
      'clogs_client_records_rerouted_total',
      'Records moved to another server because theirs went down.',
      s.rerouted,
    ),
    {
      name: 'clogs_client_records_dropped_total',
      type: 'counter',
      help: 'Records dropped, by reason.',
      samples: Object.entries(s.dropped).map(([reason, value]) => ({ labels: { reason }, value })),
    },
    gauge(
      'clogs_client_queue_bytes',
      'Bytes held for records not yet sent (what maxQueueBytes bounds).',
      s.queuedBytes,
    ),
    gauge('clogs_client_parked_records', 'Records waiting because no server is up.', s.parkedRecords),
    gauge('clogs_client_servers', 'Servers in the fleet.', s.servers.length),
  ];
  for (const m of PER_SERVER) {
    const samples = s.servers.flatMap((server) => {
      const value = m.value(server);
      return value === undefined ? [] : [{ labels: { server: server.name }, value }];
    });
    families.push({ name: m.name, type: m.type, help: m.help, samples });
  }
  // The enum pattern: one series per state, 1 on the current one (tells probing from down).
  families.push({
    name: 'clogs_client_server_state',
    type: 'gauge',
    help: "1 for the server's health state (probing, up, down), 0 for the others.",
    samples: s.servers.flatMap((server) =>
      HEALTH_STATES.map((state) => ({
        labels: { server: server.name, state },
        value: Number(server.state === state),
      })),
    ),
  });
  const spool = s.spool;
  if (spool !== undefined) {
    families.push(
      counter('clogs_client_spool_spooled_total', 'Records written to the disk spool.', spool.spooled),
      counter(
        'clogs_client_spool_replayed_total',
        'Records a previous run left in the spool, loaded and sent.',
        spool.replayed,
      ),
      counter('clogs_client_spool_cut_total', 'Torn or corrupt spool entries cut.', spool.cut),
      gauge(
        'clogs_client_spool_backlog_records',
        'Records waiting in the spool, on disk only.',
        spool.backlog,
      ),
      gauge('clogs_client_spool_segments', 'Segment files in the spool.', spool.segments),
    );
  }
  const d = s.discovery;
  if (d !== undefined) {
    families.push(
      gauge(
        'clogs_client_discovery_connected',
        '1 while etcd answers, 0 while the last fleet stands.',
        Number(d.connected),
      ),
    );
    if (d.revision !== undefined) {
      families.push(
        gauge(
          'clogs_client_discovery_revision',
          'The etcd revision of the fleet in use.',
          Number(d.revision),
        ),
      );
    }
  }
  return families;
}

/**
 * `clogs-cli --metrics`: serves the run's metrics, one stats snapshot per scrape.
 * @throws {ServerError} `ERR_SERVER_LISTEN` when the address cannot be bound.
 */
export function serveCliMetrics(
  address: MetricsAddress,
  stats: () => ClientStats,
  embedded: ClogsServer | undefined,
): Promise<MetricsEndpoint> {
  const registry = new MetricsRegistry()
    .add(() => [gauge('clogs_cli_uptime_seconds', 'Seconds since clogs-cli started.', process.uptime())])
    .add(() => clientMetrics(stats()));
  // The embedded server's own metrics, as clogs-server --metrics serves them.
  if (embedded !== undefined) registry.add(() => serverMetrics(embedded.stats(), process.uptime()));
  return serveMetrics(address, () => registry.render());
}
