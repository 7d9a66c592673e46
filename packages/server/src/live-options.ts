import { ServerError } from './errors.js';
import {
  allowList,
  bad,
  int,
  MAX,
  MAX_FILES,
  type ResolvedOptions,
  rollEvery,
  type ServerOptions,
  SYS_ID,
} from './options.js';

/** The options a running server takes again ({@link ClogsServer.applyConfig}), by name. */
export const LIVE_OPTIONS = [
  'maskPan',
  'attribution',
  'rollBytes',
  'rollEvery',
  'maxTotalBytes',
  'maxFiles',
  'allowSys',
] as const;

export type LiveOption = (typeof LIVE_OPTIONS)[number];

/** The live options one sub-system's records may have of their own. */
export const SYS_OPTIONS = ['maskPan', 'rollBytes'] as const;

export type SysOption = (typeof SYS_OPTIONS)[number];

/** One sub-system's own settings; what is left out is the server's. */
export type SysConfig = Partial<Pick<ResolvedOptions, SysOption>>;

/** What `applyConfig` takes: any of the live options, as `createServer` takes them. */
export type LiveConfig = Pick<ServerOptions, LiveOption> & {
  /** Settings per sys_id, replacing the whole table (a sys_id left out has the server's). */
  sys?: Readonly<Record<string, SysConfig>> | undefined;
};

/** The live options as the server holds them, checked. */
export type LiveSettings = Pick<ResolvedOptions, LiveOption> & {
  sys: ReadonlyMap<string, Readonly<SysConfig>>;
};

/** The live part of resolved options (no sys_id has settings of its own). */
export function liveSettings(o: ResolvedOptions): LiveSettings {
  return {
    maskPan: o.maskPan,
    attribution: o.attribution,
    rollBytes: o.rollBytes,
    rollEvery: o.rollEvery,
    maxTotalBytes: o.maxTotalBytes,
    maxFiles: o.maxFiles,
    allowSys: o.allowSys,
    sys: new Map(),
  };
}

/** Checks one live option's value, with the rule createServer applies to it. */
function checkOne(name: string, key: LiveOption, value: unknown): unknown {
  switch (key) {
    case 'maskPan':
    case 'attribution':
      if (typeof value !== 'boolean') throw bad(name, 'a boolean', value);
      return value;
    case 'rollBytes':
    case 'maxTotalBytes':
      return int(name, value as number, Number.NaN, 1, MAX);
    case 'maxFiles':
      return int(name, value as number, Number.NaN, 1, MAX_FILES);
    case 'rollEvery':
      return rollEvery(value);
    case 'allowSys':
      return allowList(value as readonly string[] | undefined);
  }
}

function notLive(name: string, live: readonly string[]): ServerError {
  return new ServerError(
    'ERR_SERVER_BAD_OPTION',
    `${name} is not an option a running server takes (live: ${live.join(', ')})`,
  );
}

function checkSys(table: unknown): Map<string, SysConfig> {
  if (typeof table !== 'object' || table === null || Array.isArray(table))
    throw bad('sys', 'an object of sys_ids', table);
  const out = new Map<string, SysConfig>();
  for (const [sysId, config] of Object.entries(table)) {
    if (!SYS_ID.test(sysId)) throw bad('sys', 'keyed by sys_ids (1-4 of A-Za-z0-9_)', sysId);
    if (typeof config !== 'object' || config === null || Array.isArray(config))
      throw bad(`sys.${sysId}`, 'an object', config);
    const one: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      if (!(SYS_OPTIONS as readonly string[]).includes(key))
        throw notLive(`sys.${sysId}.${key}`, SYS_OPTIONS);
      if (value !== undefined) one[key] = checkOne(`sys.${sysId}.${key}`, key as SysOption, value);
    }
    if (Object.keys(one).length > 0) out.set(sysId, one as SysConfig);
  }
  return out;
}

/**
 * Checks the live options `partial` names, with the rules `createServer` applies to
 * them. `rollEvery` and `allowSys` may be given as undefined: by size only, and every
 * sys_id. A key that is not a live option is refused.
 * @throws {ServerError} `ERR_SERVER_BAD_OPTION` naming the first bad option.
 */
export function checkLiveConfig(partial: LiveConfig): Partial<LiveSettings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) {
    if (key === 'sys') out.sys = checkSys(value);
    else if ((LIVE_OPTIONS as readonly string[]).includes(key))
      out[key] = checkOne(key, key as LiveOption, value);
    else throw notLive(key, [...LIVE_OPTIONS, 'sys']);
  }
  return out as Partial<LiveSettings>;
}

/** The settings `next` changes from `now` (`sys` when a sys_id's own changed). */
export function changedSettings(now: LiveSettings, next: LiveSettings): (LiveOption | 'sys')[] {
  return (Object.keys(next) as (LiveOption | 'sys')[]).filter((k) => !sameSetting(now[k], next[k]));
}

/** The sys_ids that have their own value of `k`, with it. */
export function settingBySys<K extends SysOption>(s: LiveSettings, k: K): Map<string, ResolvedOptions[K]> {
  const m = new Map<string, ResolvedOptions[K]>();
  for (const [sys, c] of s.sys) if (c[k] !== undefined) m.set(sys, c[k] as ResolvedOptions[K]);
  return m;
}

/** Equal values of a live option (an allow-list is a set: its order does not matter). */
function sameSetting(a: unknown, b: unknown): boolean {
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((x) => b.has(x));
  if (a instanceof Map && b instanceof Map) {
    return (
      a.size === b.size &&
      [...a].every(([k, v]) => b.has(k) && JSON.stringify(v) === JSON.stringify(b.get(k)))
    );
  }
  return a === b;
}
