import type { ServerStats } from '../stats.js';
import type { MetricFamily, MetricSample, MetricType } from './exposition.js';

/** A number in a stats snapshot, its metric name, type and meaning. */
interface Field {
  name: string;
  type: MetricType;
  help: string;
  /** A stat not every build has: left out of the exposition when absent. */
  optional?: boolean;
}

/** Server counters, by their key in {@link ServerStats}. */
const SERVER: Record<string, Field> = {
  datagrams: {
    name: 'clogs_server_datagrams_total',
    type: 'counter',
    help: 'Datagrams received, of every kind, good or bad.',
  },
  bytesReceived: {
    name: 'clogs_server_received_bytes_total',
    type: 'counter',
    help: 'Datagram bytes received, of every kind, good or bad.',
  },
  frames: {
    name: 'clogs_server_frames_total',
    type: 'counter',
    help: 'LOG frames accepted and handed to the writer, duplicates not counted.',
  },
  records: {
    name: 'clogs_server_records_total',
    type: 'counter',
    help: 'Records accepted and handed to the writer, duplicates not counted.',
  },
  duplicates: {
    name: 'clogs_server_duplicate_frames_total',
    type: 'counter',
    help: 'LOG frames seen before (resends): acknowledged again, not written again.',
  },
  replayed: {
    name: 'clogs_server_replayed_frames_total',
    type: 'counter',
    help: 'LOG frames refused as replays (sealed for another boot, or older than the replay window).',
    optional: true,
  },
  conflicts: {
    name: 'clogs_server_conflicting_frames_total',
    type: 'counter',
    help: 'Plain LOG frames whose seq was seen with other bytes.',
    optional: true,
  },
  pings: { name: 'clogs_server_pings_total', type: 'counter', help: 'PINGs received.' },
  acks: { name: 'clogs_server_acks_total', type: 'counter', help: 'LOG frames acknowledged.' },
  ackDatagrams: {
    name: 'clogs_server_ack_datagrams_total',
    type: 'counter',
    help: 'ACK datagrams sent.',
    optional: true,
  },
  unanswerable: {
    name: 'clogs_server_unanswerable_total',
    type: 'counter',
    help: 'PONGs and ACKs that could not be sent (source port 0, a socket error).',
  },
  epochs: {
    name: 'clogs_server_epochs_total',
    type: 'counter',
    help: 'Epochs begun since start.',
    optional: true,
  },
  sessions: {
    name: 'clogs_server_sessions',
    type: 'gauge',
    help: 'Client sessions with a replay window now.',
    optional: true,
  },
  replayBytes: {
    name: 'clogs_server_replay_window_bytes',
    type: 'gauge',
    help: 'Bytes the replay windows hold.',
    optional: true,
  },
  kernelDrops: {
    name: 'clogs_server_kernel_dropped_datagrams_total',
    type: 'counter',
    help: 'Datagrams the kernel dropped because the receive buffer was full (Linux only).',
    optional: true,
  },
  recvBufferBytes: {
    name: 'clogs_server_receive_buffer_bytes',
    type: 'gauge',
    help: 'The UDP receive buffer the kernel granted.',
  },
};

/** Writer state, by its key in `ServerStats.writer`. */
const WRITER: Record<string, Field> = {
  pendingBytes: {
    name: 'clogs_server_writer_pending_bytes',
    type: 'gauge',
    help: 'Line bytes appended and not yet in a file.',
  },
  heldBytes: {
    name: 'clogs_server_writer_held_bytes',
    type: 'gauge',
    help: 'Memory held in write chunks (buffered, queued or being written): what --max-pending bounds.',
  },
  openFiles: { name: 'clogs_server_writer_open_files', type: 'gauge', help: 'Log files open now.' },
  files: {
    name: 'clogs_server_writer_files',
    type: 'gauge',
    help: 'Log files the writer knows now (open, or closed while idle).',
  },
  bytesWritten: {
    name: 'clogs_server_writer_written_bytes_total',
    type: 'counter',
    help: 'Bytes written to log files.',
  },
  bytesLost: {
    name: 'clogs_server_writer_lost_bytes_total',
    type: 'counter',
    help: 'Line bytes lost to writes that failed.',
  },
  recordsLost: {
    name: 'clogs_server_writer_lost_records_total',
    type: 'counter',
    help: 'Records in writes that failed.',
    optional: true,
  },
  writes: { name: 'clogs_server_writer_writes_total', type: 'counter', help: 'Writes to log files.' },
  writeErrors: {
    name: 'clogs_server_writer_write_errors_total',
    type: 'counter',
    help: 'Writes, fsyncs and rolls of log files that failed.',
  },
  rolls: { name: 'clogs_server_writer_rolls_total', type: 'counter', help: 'Log files rolled.' },
  moved: {
    name: 'clogs_server_writer_moved_files_total',
    type: 'counter',
    help: 'Log files renamed or deleted under the server, noticed and reopened.',
    optional: true,
  },
  reopens: {
    name: 'clogs_server_writer_reopens_total',
    type: 'counter',
    help: 'Reopens of every file asked for (SIGHUP).',
    optional: true,
  },
  unsafePaths: {
    name: 'clogs_server_writer_unsafe_paths_total',
    type: 'counter',
    help: "Writes refused because something not the server's was where a log goes.",
    optional: true,
  },
  filesOnDisk: {
    name: 'clogs_server_writer_disk_files',
    type: 'gauge',
    help: 'Regular files under the data folder, live and rolled.',
    optional: true,
  },
  bytesOnDisk: {
    name: 'clogs_server_writer_disk_bytes',
    type: 'gauge',
    help: 'Bytes under the data folder, live and rolled.',
    optional: true,
  },
  retainedFiles: {
    name: 'clogs_server_writer_retention_deleted_files_total',
    type: 'counter',
    help: 'Rolled files deleted to stay within the disk bounds.',
    optional: true,
  },
  retainedBytes: {
    name: 'clogs_server_writer_retention_deleted_bytes_total',
    type: 'counter',
    help: 'Bytes of rolled files deleted to stay within the disk bounds.',
    optional: true,
  },
  writable: {
    name: 'clogs_server_writer_writable',
    type: 'gauge',
    help: '1 while writes to the data folder work, 0 while they fail.',
    optional: true,
  },
};

/** Every family the server may expose, name and type: what the README's table lists. */
export const SERVER_METRICS: readonly { name: string; type: MetricType }[] = (
  [
    { name: 'clogs_server_uptime_seconds', type: 'gauge' },
    ...Object.values(SERVER),
    { name: 'clogs_server_dropped_datagrams_total', type: 'counter' },
    { name: 'clogs_server_refused_datagrams_total', type: 'counter' },
    ...Object.values(WRITER),
  ] as { name: string; type: MetricType }[]
).map(({ name, type }) => ({ name, type }));

/** The families of `fields` whose values `snapshot` holds (booleans as 0/1). */
function read(fields: Record<string, Field>, snapshot: object): MetricFamily[] {
  const values = snapshot as Record<string, unknown>;
  const out: MetricFamily[] = [];
  for (const [key, f] of Object.entries(fields)) {
    const v = values[key];
    const value = typeof v === 'boolean' ? Number(v) : v;
    if (typeof value === 'number') out.push({ ...f, samples: [{ value }] });
    // A required stat missing is a bug here: the family stays, without a sample.
    else if (f.optional !== true) out.push({ ...f, samples: [] });
  }
  return out;
}

const byLabel = (label: string, counts: Readonly<Record<string, number>>): MetricSample[] =>
  Object.entries(counts).map(([value, count]) => ({ labels: { [label]: value }, value: count }));

/**
 * clogs-server's metrics, read from one {@link ServerStats} snapshot: a scrape adds
 * nothing to the receive path. The README lists every name and its meaning.
 */
export function serverMetrics(stats: ServerStats, uptimeSeconds: number): MetricFamily[] {
  return [
    {
      name: 'clogs_server_uptime_seconds',
      type: 'gauge',
      help: 'Seconds since the server started.',
      samples: [{ value: uptimeSeconds }],
    },
    ...read(SERVER, stats),
    {
      name: 'clogs_server_dropped_datagrams_total',
      type: 'counter',
      help: 'Datagrams dropped without being written, by reason.',
      samples: byLabel('reason', stats.dropped),
    },
    {
      name: 'clogs_server_refused_datagrams_total',
      type: 'counter',
      help: 'Datagrams refused for breaking a protocol rule, by error code.',
      samples: byLabel('code', stats.errors),
    },
    ...read(WRITER, stats.writer),
  ];
}
