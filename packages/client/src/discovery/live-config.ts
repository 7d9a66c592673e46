import { LEVEL_NAMES, ProtocolError, recordByteLength } from '@clogs/protocol';
import { ClientError } from '../errors.js';

/** What the continuum hashes to pick a record's server. */
export type RouteMode =
  /** `sys_id/file_name`: every line of one log file lands on one server (default). */
  | 'file'
  /** Round robin over the servers that are up: spreads load, a file's lines are spread too. */
  | 'record'
  /** Your own route key. */
  | ((record: { sysId: string; msgType: string; fileName: string }) => string);

/** The options a config in etcd may change while the client runs (a client's resolved options). */
export interface LiveOptions {
  sysId: string | undefined;
  msgType: string | undefined;
  fileName: string | undefined;
  level: number;
  route: RouteMode;
  flushIntervalMs: number;
  onFull: 'drop-newest' | 'drop-oldest';
}

/** The live options out of a client's resolved options, copied. */
export function pickLive(o: LiveOptions): LiveOptions {
  const { sysId, msgType, fileName, level, route, flushIntervalMs, onFull } = o;
  return { sysId, msgType, fileName, level, route, flushIntervalMs, onFull };
}

/**
 * Checks live options as a whole before any is applied (what {@link liveOptions} makes
 * passes; anything else handed to `applyConfig()` is refused with `ERR_CLIENT_BAD_OPTION`).
 */
export function checkLive(o: LiveOptions): void {
  const fail = (why: string) => {
    throw new ClientError('ERR_CLIENT_BAD_OPTION', `applyConfig(): ${why}`);
  };
  if (!Number.isInteger(o.level) || o.level < 0 || o.level > 6) fail('level must be 0..6');
  if (o.route !== 'file' && o.route !== 'record' && typeof o.route !== 'function')
    fail("route must be 'file', 'record' or a function");
  if (!Number.isInteger(o.flushIntervalMs) || o.flushIntervalMs < 0 || o.flushIntervalMs > 60_000)
    fail('flushIntervalMs must be an integer 0..60000');
  if (o.onFull !== 'drop-newest' && o.onFull !== 'drop-oldest')
    fail("onFull must be 'drop-newest' or 'drop-oldest'");
  for (const f of ['sysId', 'msgType', 'fileName'] as const)
    if (o[f] !== undefined && typeof o[f] !== 'string') fail(`${f} must be a string`);
}

/**
 * Keys of `/clogs/<cluster>/config` applied live: the client hands each component its
 * new value (`applyConfig()`), which takes effect from the next record or timer on.
 */
export const LIVE_KEYS = ['defaults', 'route', 'flushIntervalMs', 'onFull'] as const;

/**
 * Options a running client cannot take from the config: they size or shape state the
 * client holds (buffers, sockets, timers, frames awaiting ACKs, the key). Set them in
 * `createClient()`; a config naming them gets a warning.
 */
export const RESTART_KEYS = [
  'delivery',
  'maxDatagramBytes',
  'maxQueueBytes',
  'highWaterBytes',
  'ping',
  'pace',
  'key',
  'routeCacheSize',
  'dnsRefreshMs',
  'exitTimeoutMs',
  'servers',
  'discovery',
] as const;

function bad(revision: string, why: string, cause?: unknown): ClientError {
  return new ClientError('ERR_CLIENT_DISCOVERY', `config at revision ${revision} not applied: ${why}`, {
    cause,
  });
}

/**
 * The live options as `base` (what createClient() was given) overlaid by the config
 * `text` (JSON; undefined: no config, so `base`). Throws an `ERR_CLIENT_DISCOVERY`
 * ClientError for a config that does not parse or holds a bad value; then nothing of it applies.
 */
export function liveOptions(
  base: LiveOptions,
  text: string | undefined,
  revision: string,
): { options: LiveOptions; applied: string[]; notLive: string[] } {
  if (text === undefined) return { options: { ...base }, applied: [], notLive: [] };
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw bad(revision, 'not JSON', err);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw bad(revision, 'not an object');
  const o = { ...base };
  const applied: string[] = [];
  const notLive = Object.keys(config).filter((k) => !(LIVE_KEYS as readonly string[]).includes(k));
  if (config.defaults !== undefined) {
    const d = config.defaults as Record<string, unknown>;
    if (typeof d !== 'object' || d === null) throw bad(revision, 'defaults must be an object');
    for (const f of ['sysId', 'msgType', 'fileName'] as const) {
      if (d[f] !== undefined && typeof d[f] !== 'string')
        throw bad(revision, `defaults.${f} must be a string`);
      if (d[f] !== undefined) o[f] = d[f] as string;
    }
    if (d.level !== undefined) {
      const level =
        typeof d.level === 'number' ? d.level : (LEVEL_NAMES as readonly unknown[]).indexOf(d.level);
      if (!Number.isInteger(level) || level < 0 || level > 6)
        throw bad(revision, 'defaults.level must be a level');
      o.level = level;
    }
    try {
      recordByteLength({
        sysId: o.sysId ?? 'X',
        msgType: o.msgType ?? 'X',
        fileName: o.fileName ?? 'x',
        level: o.level,
        msg: '',
      });
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      throw bad(revision, `defaults: ${err.message}`, err);
    }
    applied.push('defaults');
  }
  if (config.route !== undefined) {
    if (config.route !== 'file' && config.route !== 'record')
      throw bad(revision, "route must be 'file' or 'record'");
    o.route = config.route;
    applied.push('route');
  }
  if (config.flushIntervalMs !== undefined) {
    const ms = config.flushIntervalMs;
    if (!Number.isInteger(ms) || (ms as number) < 0 || (ms as number) > 60_000) {
      throw bad(revision, 'flushIntervalMs must be an integer 0..60000');
    }
    o.flushIntervalMs = ms as number;
    applied.push('flushIntervalMs');
  }
  if (config.onFull !== undefined) {
    if (config.onFull !== 'drop-newest' && config.onFull !== 'drop-oldest') {
      throw bad(revision, "onFull must be 'drop-newest' or 'drop-oldest'");
    }
    o.onFull = config.onFull;
    applied.push('onFull');
  }
  return { options: o, applied, notLive };
}
