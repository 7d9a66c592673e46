import type { RecordOptions } from './api/log-sink.js';
import type { RateMode } from './delivery/rate-control.js';
import type { DiscoveryState } from './discovery/discovery.js';
import type { HealthReason, HealthState } from './health/ping-tracker.js';
import type { SpoolStats } from './spool/spool-stats.js';

/** Per-record fields; anything omitted comes from `defaults` (one definition, in api/log-sink.ts). */
export type LogOptions = RecordOptions;

/** Why records were dropped. */
export type DropReason =
  /** Past maxQueueBytes with onFull 'drop-newest': the new record was refused. */
  | 'queue_full'
  /** Past maxQueueBytes with onFull 'drop-oldest': queued records made room. */
  | 'oldest_dropped'
  /** The datagram could not be sent (EMSGSIZE, ENETUNREACH, ...). */
  | 'send_failed'
  /** close() reached its deadline before they were delivered. */
  | 'closed'
  /**
   * The app was done (Node's 'beforeExit') while the client held records it had not been
   * able to deliver for `exitTimeoutMs` (every server down, no ACK): given up so the
   * process can end.
   */
  | 'exit_timeout'
  /** With `spool`: the spool is at `maxBytes` (onFull 'drop-newest'; 'drop-oldest' counts `oldest_dropped`). */
  | 'spool_full'
  /** With `spool`: records after an entry that failed its CRC while being loaded. */
  | 'spool_corrupt'
  /** With `spool`: a write to it failed (ENOSPC, EIO); records that were on disk only. */
  | 'spool_failed';

/** Payload of the `drop` event. */
export interface DropEvent {
  reason: DropReason;
  records: number;
}

/** Payload of the `down` event. */
export interface DownEvent {
  server: string;
  reason: HealthReason;
  /** What a person should read: what was seen and, for a server that never answered, the likely causes. */
  message: string;
}

export interface ServerState {
  name: string;
  host: string;
  port: number;
  /** The address the name resolved to, once it has. */
  address: string | undefined;
  weight: number;
  /** Sent records (`up`), not yet heard from (`probing`: records wait for its first PONG), or out (`down`). */
  state: HealthState;
  up: boolean;
  /** Why it is down (`no-pong`, `refused`, `no-ack`, `cannot-write`, `version`); undefined while it is not. */
  downReason?: HealthReason | undefined;
  misses: number;
  /** Last ping round trip, ms. */
  rttMs: number | undefined;
  /** Share of the continuum (0 when down). */
  share: number;
  framesSent: number;
  recordsSent: number;
  bytesSent: number;
  sendErrors: number;
  queuedRecords: number;
  /** Frames acknowledged, resent (at-least-once), awaiting an ACK; the ACK timeout. */
  framesAcked: number;
  framesResent: number;
  unacked: number;
  rtoMs: number;
  /**
   * `'acked'`: the server ACKs, and the window and pacing follow its measured delivery
   * rate and round trip. `'open-loop'` (at-most-once only): it answers pings but sends no
   * ACKs, so frames go at the `pace` setting, unconfirmed.
   */
  flow: 'acked' | 'open-loop';
  /** The flow controller's phase (see the README's Flow control). */
  flowMode: RateMode;
  /** Measured delivery rate (the bandwidth estimate), bytes/ms; 0 before the first ACK. */
  deliveryRate: number;
  /** Least ACK round trip of the last 10 s, ms; undefined before the first ACK. */
  minRttMs: number | undefined;
  /** Bytes allowed in flight now, and in flight. */
  windowBytes: number;
  inflightBytes: number;
  /** The window in frames of `maxDatagramBytes`. */
  window: number;
}

export interface ClientStats {
  /** Records `log()` accepted. */
  accepted: number;
  /** Records handed to the network (first sends; a re-routed record counts again). */
  sent: number;
  /** At-least-once: records acknowledged by a server. */
  acked: number;
  /** Records `log()` refused as malformed (it threw). */
  refused: number;
  /** Records moved to another server because theirs went down (or from no server to one). */
  rerouted: number;
  dropped: Record<DropReason, number>;
  /** Bytes held for records not yet sent (what maxQueueBytes bounds). */
  queuedBytes: number;
  /** Records waiting because no server is up. */
  parkedRecords: number;
  servers: ServerState[];
  /** With the `discovery` option: where the fleet comes from, its revision (the config version), and whether etcd answers. */
  discovery: DiscoveryState | undefined;
  /** With the `spool` option: records spooled, replayed, waiting on disk, cut (see the README's Disk spool). */
  spool: SpoolStats | undefined;
}

/** The record counters of {@link ClientStats}, kept by the client and its links. */
export type RecordCounts = Pick<ClientStats, 'accepted' | 'sent' | 'acked' | 'refused' | 'rerouted'>;
