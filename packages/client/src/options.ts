import {
  createFrameKey,
  DEFAULT_LEVEL,
  DEFAULT_MAX_DATAGRAM_BYTES,
  type FrameKey,
  type LevelInput,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  parseLevel,
  type RedactOptions,
  Suite,
  suiteFromName,
} from '@clogs/protocol';
import { type DiscoveryOptions, type ResolvedDiscovery, resolveDiscovery } from './discovery/discovery.js';
import { ClientError } from './errors.js';
import { parseServer, type ServerInput, type ServerSpec } from './server-spec.js';
import { type ResolvedSpool, resolveSpool, type SpoolOptions } from './spool/spool-options.js';

/** A level by name or alias in any case (`'info'`, `'WARNING'`) or number (3): see @clogs/protocol's level table. */
export type { LevelInput };

/** What the continuum hashes to pick a record's server. */
export type RouteMode =
  /** `sys_id/file_name`: every line of one log file lands on one server (default). */
  | 'file'
  /** Round robin over the servers that are up: spreads load, a file's lines are spread too. */
  | 'record'
  /** Your own route key. */
  | ((record: { sysId: string; msgType: string; fileName: string }) => string);

export interface ClientOptions {
  /** The fleet: `'host:port[:weight][ name]'` strings or `{ host, port, weight?, name? }`. */
  servers?: readonly ServerInput[] | undefined;
  /** Instead of `servers`: learn the fleet from etcd and follow it live (see the README's Discovery). */
  discovery?: DiscoveryOptions | undefined;
  /** Fields of every record unless `log()` says otherwise. */
  defaults?: { sysId?: string; msgType?: string; fileName?: string; level?: LevelInput } | undefined;
  route?: RouteMode | undefined;
  /** Frame budget, trailer included. Default 1,432: no IP fragmentation on a 1,500-byte MTU path. */
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
}

/**
 * Measured (bench/README.md, CLI): a producer that waits for 'drain' is fastest when it
 * waits early and often. Through an OS pipe into clogs-server, 1,000,000 lines took
 * 2.1 s with a 32 MiB mark (the reader front-loads the parsing, then sits out the sends)
 * and 1.2–1.5 s with 2 MiB; 0.5–1 MiB waited too often, 4–8 MiB drifted back up.
 */
const DEFAULT_HIGH_WATER_BYTES = 2 * 2 ** 20;

/**
 * The open-loop rate: for a server that sends no ACKs (nothing to measure), and for the
 * first flight to any server. About half of what one clogs-server takes (≈ 1.1M
 * records/s of 100 bytes ≈ 120 KiB/ms; ≈ 100k datagrams/s), so a cold or busy one keeps up.
 */
const DEFAULT_PACE_BYTES_PER_MS = 64 * 1024;
const DEFAULT_PACE_FRAMES_PER_MS = 32;

function bad(name: string, rule: string, value: unknown): ClientError {
  return new ClientError('ERR_CLIENT_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

function int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw bad(name, `an integer ${min}..${max}`, v);
  return v;
}

/** A level given as an option (`defaults.level`, a child's `level`); @clogs/protocol's `DEFAULT_LEVEL` (info) when not given. */
export function optionLevel(value: LevelInput | undefined, option = 'defaults'): number {
  if (value === undefined) return DEFAULT_LEVEL;
  try {
    return parseLevel(value);
  } catch (err) {
    throw new ClientError('ERR_CLIENT_BAD_OPTION', `${option}.${(err as ProtocolError).detail}`, {
      cause: err,
    });
  }
}

/**
 * The key as the client seals with it: key material is checked by the protocol's own
 * rule (at least 32 bytes, not a typed word); so are a FrameKey's bytes.
 */
function resolveKey(key: ClientOptions['key']): FrameKey | undefined {
  if (key === undefined) return undefined;
  if (key instanceof Uint8Array) {
    try {
      return createFrameKey(key);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      throw new ClientError('ERR_CLIENT_BAD_OPTION', `key refused: ${err.detail}`, {
        cause: err,
        reason: err.code,
      });
    }
  }
  // A FrameKey, maybe through a structured clone (a worker's options): its bytes are checked again.
  const bytes = (key as Partial<FrameKey> | null)?.bytes as unknown;
  if (bytes instanceof Uint8Array) return resolveKey(bytes);
  throw bad('key', 'key bytes (a Buffer or Uint8Array) or a FrameKey', key);
}

const CIPHERS: readonly CipherName[] = ['chacha20-poly1305', 'aes-256-gcm', 'integrity-only'];

/** The suite for `cipher` (with a key; none without). */
function resolveSuite(cipher: ClientOptions['cipher'], key: FrameKey | undefined): number {
  if (cipher !== undefined && !CIPHERS.includes(cipher))
    throw bad('cipher', `one of ${CIPHERS.join(', ')}`, cipher);
  if (key === undefined) {
    if (cipher !== undefined) throw bad('cipher', 'left out without a key (nothing is sealed)', cipher);
    return Suite.PLAIN;
  }
  return suiteFromName(cipher ?? 'chacha20-poly1305');
}

/**
 * Card numbers are masked unless `redact.pan` is false: measured (bench/README.md), the
 * detector masks no timestamp and costs little per record, and a card number in a log
 * is a breach where a masked id is an inconvenience.
 */
export const DEFAULT_REDACT_PAN = true;

/** Checks `redact`: undefined when it masks nothing. */
export function resolveRedact(r: RedactOptions | undefined): RedactOptions | undefined {
  if (r !== undefined && (typeof r !== 'object' || r === null)) throw bad('redact', 'an object', r);
  const pan = r?.pan ?? DEFAULT_REDACT_PAN;
  if (typeof pan !== 'boolean') throw bad('redact.pan', 'true or false', pan);
  const patterns = r?.patterns ?? [];
  if (!Array.isArray(patterns) || !patterns.every((p) => p instanceof RegExp))
    throw bad('redact.patterns', 'a list of RegExp', patterns);
  return pan || patterns.length > 0 ? { pan, patterns } : undefined;
}

/** Parses and checks a server list: not empty, names distinct. */
export function resolveServers(list: readonly ServerInput[] | undefined): ServerSpec[] {
  if (!Array.isArray(list) || list.length === 0) throw bad('servers', 'a non-empty list', list);
  const servers = list.map(parseServer);
  const names = new Set(servers.map((s) => s.name));
  if (names.size !== servers.length)
    throw bad(
      'servers',
      'a list of distinct names',
      servers.map((s) => s.name),
    );
  return servers;
}

export function resolveOptions(o: ClientOptions): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw bad('options', 'an object', o);
  const discovery = resolveDiscovery(o.discovery);
  if (discovery !== undefined && o.servers !== undefined)
    throw bad('servers', 'left out with discovery', o.servers);
  const servers = discovery === undefined ? resolveServers(o.servers) : [];
  const delivery = o.delivery ?? 'at-most-once';
  if (delivery !== 'at-most-once' && delivery !== 'at-least-once') {
    throw bad('delivery', "'at-most-once' or 'at-least-once'", delivery);
  }
  const alo = delivery === 'at-least-once';
  const onFull = o.onFull ?? 'drop-newest';
  if (onFull !== 'drop-newest' && onFull !== 'drop-oldest')
    throw bad('onFull', "'drop-newest' or 'drop-oldest'", onFull);
  const route = o.route ?? 'file';
  if (route !== 'file' && route !== 'record' && typeof route !== 'function') {
    throw bad('route', "'file', 'record' or a function", route);
  }
  const key = resolveKey(o.key);
  const maxQueueBytes = int(
    'maxQueueBytes',
    o.maxQueueBytes,
    64 * 2 ** 20,
    64 * 1024,
    Number.MAX_SAFE_INTEGER,
  );
  return {
    servers,
    discovery,
    sysId: o.defaults?.sysId,
    msgType: o.defaults?.msgType,
    fileName: o.defaults?.fileName,
    level: optionLevel(o.defaults?.level),
    route,
    maxDatagramBytes: int(
      'maxDatagramBytes',
      o.maxDatagramBytes,
      DEFAULT_MAX_DATAGRAM_BYTES,
      128,
      MAX_DATAGRAM_BYTES,
    ),
    flushIntervalMs: int('flushIntervalMs', o.flushIntervalMs, 5, 0, 60_000),
    maxQueueBytes,
    highWaterBytes: int(
      'highWaterBytes',
      o.highWaterBytes,
      Math.min(DEFAULT_HIGH_WATER_BYTES, maxQueueBytes >>> 1),
      1,
      maxQueueBytes,
    ),
    onFull,
    atLeastOnce: alo,
    pingIntervalMs: int('ping.intervalMs', o.ping?.intervalMs, 1000, 10, 3_600_000),
    failureLimit: int('ping.failureLimit', o.ping?.failureLimit, 3, 1, 1000),
    key,
    suite: resolveSuite(o.cipher, key),
    paceBytesPerMs: int('pace.bytesPerMs', o.pace?.bytesPerMs, DEFAULT_PACE_BYTES_PER_MS, 1024, 2 ** 30),
    paceFramesPerMs: int('pace.framesPerMs', o.pace?.framesPerMs, DEFAULT_PACE_FRAMES_PER_MS, 1, 1_000_000),
    routeCacheSize: int('routeCacheSize', o.routeCacheSize, 4096, 2, 2 ** 24),
    dnsRefreshMs: int('dnsRefreshMs', o.dnsRefreshMs, 60_000, 1000, 2 ** 31 - 1),
    exitTimeoutMs: int('exitTimeoutMs', o.exitTimeoutMs, 5000, 0, 2 ** 31 - 1),
    redact: resolveRedact(o.redact),
    spool: resolveSpool(o.spool),
  };
}
