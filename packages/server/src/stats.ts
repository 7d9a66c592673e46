import type { WriterStats } from './writer/log-writer.js';

/** Why a datagram was dropped without being written. */
export type DropReason =
  /** The writer is more than maxPendingBytes behind: not written, not ACKed, so at-least-once clients resend. */
  | 'writer_behind'
  /** A fault injected for tests (`dropFraction`). */
  | 'fault'
  /** The frame broke a protocol rule; its code is counted in `errors`. */
  | 'malformed'
  /**
   * Refused for want of the right key: a tag that does not verify, an unknown key id, a
   * plain or version 1 frame at a server with a key, a sealed or signed frame at one
   * without, an integrity-only frame (suite 3) not allowed; by code in `errors`.
   */
  | 'auth'
  /** A PONG, ACK or other kind a server does not take. */
  | 'unexpected_kind'
  /** A record whose file would lie outside the data folder (impossible with v1's charsets). */
  | 'bad_path'
  /** A record whose sys_id is not in `allowSys`. */
  | 'sys_not_allowed'
  /** A record for a new file while `maxFiles` files are on disk and none rolled can go. */
  | 'file_limit'
  /** The data dir holds `maxTotalBytes` (written and pending) and none rolled can go. */
  | 'disk_limit';

export interface ServerStats {
  /** LOG frames accepted (written to the writer), not counting duplicates. */
  frames: number;
  records: number;
  /** Datagram bytes received, all kinds, good or bad. */
  bytesReceived: number;
  datagrams: number;
  pings: number;
  /** LOG frames acknowledged (a version 2 ACK of ranges counts every seq it covers). */
  acks: number;
  /** ACK datagrams sent (version 1: one per frame; version 2: one per client session and event-loop turn). */
  ackDatagrams: number;
  /** LOG frames seen again within their session's window (same fingerprint): ACKed again, not written. */
  duplicates: number;
  /**
   * LOG frames refused as replays: sealed for another boot (another server, an earlier run
   * or epoch of this one: `errors.ERR_PROTOCOL_BAD_PEER`), or older than the replay window.
   */
  replayed: number;
  /** Plain LOG frames whose seq was seen with other bytes (a forgery, or the real frame after one): written. */
  conflicts: number;
  /** Epochs begun since start (every replay window forgotten, a new boot). */
  epochs: number;
  /** Sessions (sealed: key id and salt; plain: sender) with a replay window now. */
  sessions: number;
  /** Bytes their windows hold (bounded by maxReplayBytes). */
  replayBytes: number;
  /** PONGs and ACKs that could not be sent (source port 0, a socket error). */
  unanswerable: number;
  dropped: Record<DropReason, number>;
  /** Refused datagrams by ProtocolError code (`ERR_PROTOCOL_...`), replays sealed for another boot included. */
  errors: Record<string, number>;
  writer: WriterStats;
  /** Datagrams the kernel dropped because the receive buffer was full (Linux, from /proc/net/udp). */
  kernelDrops: number | undefined;
  /** The receive buffer the kernel granted, in bytes. */
  recvBufferBytes: number;
}

/** The counters the receive path keeps; the rest of the stats are read when asked for. */
export type ServerCounters = Omit<
  ServerStats,
  'writer' | 'kernelDrops' | 'recvBufferBytes' | 'sessions' | 'replayBytes'
>;

export function emptyCounters(): ServerCounters {
  return {
    frames: 0,
    records: 0,
    bytesReceived: 0,
    datagrams: 0,
    pings: 0,
    acks: 0,
    ackDatagrams: 0,
    duplicates: 0,
    replayed: 0,
    conflicts: 0,
    epochs: 0,
    unanswerable: 0,
    dropped: {
      writer_behind: 0,
      fault: 0,
      malformed: 0,
      auth: 0,
      unexpected_kind: 0,
      bad_path: 0,
      sys_not_allowed: 0,
      file_limit: 0,
      disk_limit: 0,
    },
    errors: {},
  };
}
