import {
  createFrameKey,
  DEFAULT_LEVEL,
  DEFAULT_MAX_DATAGRAM_BYTES,
  type FrameKey,
  type LevelInput,
  LOOPBACK_MAX_DATAGRAM_BYTES,
  MAX_DATAGRAM_BYTES,
  ProtocolError,
  parseLevel,
  type RedactOptions,
  Suite,
  suiteFromName,
} from '@clogs/protocol';
import { resolveDiscovery } from './discovery/discovery-options.js';
import { ClientError } from './errors.js';
import type { CipherName, ClientOptions, ResolvedOptions } from './option-types.js';
import { isLoopbackHost, parseServer, type ServerInput, type ServerSpec } from './server-spec.js';
import { resolveSpool } from './spool/spool-options.js';

export type { CipherName, ClientOptions, LevelInput, ResolvedOptions, RouteMode } from './option-types.js';

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
  const spool = resolveSpool(o.spool);
  if (o.marks !== undefined && typeof o.marks !== 'boolean') throw bad('marks', 'true or false', o.marks);
  if (o.marks === true && spool !== undefined) throw bad('marks', 'left out with a spool', o.marks);
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
      defaultFrameBytes(servers, maxQueueBytes),
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
    spool,
    marks: o.marks ?? false,
  };
}

/**
 * The frame budget when none is set, decided once from the servers given (a later
 * setServers() or discovery keeps it): larger on loopback, where no MTU limits it, but
 * at most 1/64 of the queue, so that the window and a producer's queue still hold
 * enough frames to keep the flow going.
 */
function defaultFrameBytes(servers: readonly ServerSpec[], maxQueueBytes: number): number {
  if (servers.length === 0 || !servers.every((s) => isLoopbackHost(s.host)))
    return DEFAULT_MAX_DATAGRAM_BYTES;
  return Math.max(
    DEFAULT_MAX_DATAGRAM_BYTES,
    Math.min(LOOPBACK_MAX_DATAGRAM_BYTES, Math.floor(maxQueueBytes / 64)),
  );
}
