import type { FrameKey, LevelInput, RedactOptions } from '@clogs/protocol';
import type { DiscoveryOptions, ResolvedDiscovery } from './discovery/discovery-options.js';
import type { RouteMode } from './discovery/live-config.js';
import type { ServerInput, ServerSpec } from './server-spec.js';
import type { ResolvedSpool, SpoolOptions } from './spool/spool-options.js';

/** A level by name or alias in any case (`'info'`, `'WARNING'`) or number (3): see @clogs/protocol's level table. */
export type { LevelInput, RouteMode };

export interface ClientOptions {
  /** The fleet: `'host:port[:weight][ name]'` strings or `{ host, port, weight?, name? }`. */
  servers?: readonly ServerInput[] | undefined;
  /** Instead of `servers`: learn the fleet from etcd and follow it live (see the README's Discovery). */
  discovery?: DiscoveryOptions | undefined;
  /** Fields of every record unless `log()` says otherwise. */
  defaults?: { sysId?: string; msgType?: string; fileName?: string; level?: LevelInput } | undefined;
  route?: RouteMode | undefined;
  /** Frame budget, seal included. Default 1,432 (no IP fragmentation on a 1,500-byte MTU path); 8,192 when every server is on loopback. */
  maxDatagramBytes?: number | undefined;
  /** Partial frames are sent after at most this long. Default 5 ms. */
  flushIntervalMs?: number | undefined;
  /** Memory for records not yet sent; past it `onFull` applies. Default 64 MiB. */
  maxQueueBytes?: number | undefined;
  /** `log()` returns false (wait for `drain`) from this much queued. Default 2 MiB (at most maxQueueBytes / 2). */
  highWaterBytes?: number | undefined;
  /** Past maxQueueBytes: refuse new records (default) or drop the oldest queued frames. */
  onFull?: 'drop-newest' | 'drop-oldest' | undefined;
  ping?: { intervalMs?: number | undefined; failureLimit?: number | undefined } | undefined;
  /**
   * `'at-most-once'` (default): each record is sent once; a lost datagram is lost. Frames
   * still ask for an ACK, but only to pace the sending (a window of frames in flight):
   * nothing is kept or resent. `'at-least-once'`: frames are kept until acknowledged,
   * resent after an adaptive timeout, and re-routed when their server goes down.
   */
  delivery?: 'at-most-once' | 'at-least-once' | undefined;
  /**
   * The shared key (at least 32 bytes of random material, or a `FrameKey` from
   * @clogs/protocol's `readKeyFile`): frames are sealed with it (encrypted and
   * authenticated, bound to the boot of the server they go to), and the server's PONGs
   * and ACKs must be sealed with it too. Without it frames travel in clear.
   */
  key?: Uint8Array | FrameKey | undefined;
  /**
   * How frames are sealed with `key`: `'chacha20-poly1305'` (default), `'aes-256-gcm'`, or
   * `'integrity-only'` (authenticated, not encrypted: only when asked for, and the server
   * must allow it too).
   */
  cipher?: CipherName | undefined;
  /**
   * The open-loop pace, per server: the rate frames go at to a server that sends no ACKs
   * (at-most-once), and for the first flight to any server, before an ACK has measured
   * the path. Once ACKs come, the measured delivery rate paces instead. Default 64 KiB
   * and 32 datagrams per ms.
   */
  pace?: { bytesPerMs?: number | undefined; framesPerMs?: number | undefined } | undefined;
  /** Route keys remembered. Default 4,096. */
  routeCacheSize?: number | undefined;
  /** Server names are resolved again this often, ms. Default 60,000. */
  dnsRefreshMs?: number | undefined;
  /**
   * How long the client keeps a process alive while it holds records it cannot deliver
   * (no record delivered for this long: every server down, no ACK). Past it, once the app
   * is otherwise done, the rest is dropped `exit_timeout`. Default 5,000 ms.
   */
  exitTimeoutMs?: number | undefined;
  /**
   * Masked in every message by `log()`, before it is encoded: `pan` (card numbers, first
   * 6 and last 4 digits kept; default true) and custom `patterns`. See the README.
   */
  redact?: RedactOptions | undefined;
  /**
   * A disk spool: every record is written to append-only segment files in `dir` before it
   * is sent, kept there until acknowledged, and sent by the next client on `dir` if this
   * process dies first. See the README's Disk spool.
   */
  spool?: SpoolOptions | undefined;
  /**
   * Tags each record with the last `mark()` made before it, so that `mark()` can say when
   * every record before it is done with (a few ns a record). Not with `spool` (the spool
   * is the checkpoint then). Default false.
   */
  marks?: boolean | undefined;
}

/** The ciphers a key seals frames with. */
export type CipherName = 'chacha20-poly1305' | 'aes-256-gcm' | 'integrity-only';

export interface ResolvedOptions {
  servers: ServerSpec[];
  discovery: ResolvedDiscovery | undefined;
  sysId: string | undefined;
  msgType: string | undefined;
  fileName: string | undefined;
  level: number;
  route: RouteMode;
  maxDatagramBytes: number;
  flushIntervalMs: number;
  maxQueueBytes: number;
  highWaterBytes: number;
  onFull: 'drop-newest' | 'drop-oldest';
  atLeastOnce: boolean;
  pingIntervalMs: number;
  failureLimit: number;
  key: FrameKey | undefined;
  /** The suite frames are sealed with (Suite.PLAIN without a key). */
  suite: number;
  paceBytesPerMs: number;
  paceFramesPerMs: number;
  routeCacheSize: number;
  dnsRefreshMs: number;
  exitTimeoutMs: number;
  /** undefined: nothing to mask. */
  redact: RedactOptions | undefined;
  /** undefined: no spool. */
  spool: ResolvedSpool | undefined;
  marks: boolean;
}
