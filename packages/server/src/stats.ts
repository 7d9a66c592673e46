import type { WriterStats } from './writer/log-writer.js';

/** Why a datagram was dropped without being written. */
export type DropReason =
  /** The writer is more than maxPendingBytes behind: not written, not ACKed, so at-least-once clients resend. */
  | 'writer_behind'
  /** A fault injected for tests (`dropFraction`). */
  | 'fault'
  /** The frame broke a protocol rule; its code is counted in `errors`. */
  | 'malformed'
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
  acks: number;
  duplicates: number;
  /** PONGs and ACKs that could not be sent (source port 0, a socket error). */
  unanswerable: number;
  dropped: Record<DropReason, number>;
  /** Refused datagrams by ProtocolError code (`ERR_PROTOCOL_...`). */
  errors: Record<string, number>;
  writer: WriterStats;
  /** Datagrams the kernel dropped because the receive buffer was full (Linux, from /proc/net/udp). */
  kernelDrops: number | undefined;
  /** The receive buffer the kernel granted, in bytes. */
  recvBufferBytes: number;
}

export function emptyCounters(): Omit<ServerStats, 'writer' | 'kernelDrops' | 'recvBufferBytes'> {
  return {
    frames: 0,
    records: 0,
    bytesReceived: 0,
    datagrams: 0,
    pings: 0,
    acks: 0,
    duplicates: 0,
    unanswerable: 0,
    dropped: {
      writer_behind: 0,
      fault: 0,
      malformed: 0,
      unexpected_kind: 0,
      bad_path: 0,
      sys_not_allowed: 0,
      file_limit: 0,
      disk_limit: 0,
    },
    errors: {},
  };
}
