import { readFile } from 'node:fs/promises';
import type { ClientOptions } from '@clogs/client';
import { describeLevels, parseLevel } from '@clogs/protocol';
import { CliError } from './errors.js';
import {
  boolean,
  either,
  type Infer,
  list,
  number,
  object,
  oneOf,
  problems,
  type Schema,
  string,
} from './schema.js';

const LEVEL_KIND = either(string(), number());

/** What `--level` takes, checked against the level table with the rest of the file. */
const LEVEL: Schema<string | number> = {
  expects: LEVEL_KIND.expects,
  matches: LEVEL_KIND.matches,
  check(value, path, issues) {
    if (!LEVEL_KIND.matches(value)) return LEVEL_KIND.check(value, path, issues);
    try {
      parseLevel(value);
    } catch {
      issues.push({ path, problem: `must be one of ${describeLevels()}; not ${JSON.stringify(value)}` });
    }
  },
};

/** What the `client` key takes: the client's options less `servers`, `defaults`, `key` and `cipher` (flags). */
const CLIENT = object({
  route: oneOf('file', 'record'),
  maxDatagramBytes: number(),
  flushIntervalMs: number(),
  maxQueueBytes: number(),
  highWaterBytes: number(),
  onFull: oneOf('drop-newest', 'drop-oldest'),
  ping: object({ intervalMs: number(), failureLimit: number() }),
  delivery: oneOf('at-most-once', 'at-least-once'),
  pace: object({ bytesPerMs: number(), framesPerMs: number() }),
  routeCacheSize: number(),
  dnsRefreshMs: number(),
  exitTimeoutMs: number(),
  // patterns (RegExp) only through the API
  redact: object({ pan: boolean() }),
  spool: object({ dir: string(), maxBytes: number(), fsync: oneOf('never', 'segment', 'flush') }, ['dir']),
});

/** What the `discovery` key takes: the client's `discovery` option (the fleet from etcd). */
const DISCOVERY = object(
  {
    etcd: either(string(), list(string())),
    cluster: string(),
    caFile: string(),
    certFile: string(),
    keyFile: string(),
    user: string(),
    passwordFile: string(),
  },
  ['etcd'],
);

/**
 * The config file (`--config`, re-read on `.reload` and SIGHUP), JSON:
 *
 * ```json
 * {
 *   "servers": ["10.0.0.5:7070:2 log-a", { "host": "10.0.0.6", "port": 7070, "name": "log-b" }],
 *   "defaults": { "sysId": "PAY1", "msgType": "TXT", "fileName": "app", "level": "info" },
 *   "client": { "maxDatagramBytes": 8192, "delivery": "at-least-once" }
 * }
 * ```
 * or, for the fleet from etcd instead of `servers`:
 * `"discovery": { "etcd": ["http://etcd-1:2379"], "cluster": "payments" }`, which also takes
 * `caFile`, `certFile`, `keyFile`, `user` and `passwordFile` for a secured etcd (no password:
 * it goes in the file `passwordFile` names).
 * Every key is optional (`servers` and `discovery` not both); `client` takes the options of `@clogs/client` except
 * `servers`, `defaults`, `key` and `cipher` (use `--key-file`, `--cipher`). The whole file is checked, nested
 * keys too: an unknown key is refused, so a typo is an error rather than a silently
 * ignored setting.
 */
const CONFIG = object({
  servers: list(
    either(
      string(),
      object({ host: string(), port: number(), weight: number(), name: string() }, ['host', 'port']),
    ),
  ),
  defaults: object({
    sysId: string(),
    msgType: string(),
    fileName: string(),
    level: LEVEL,
  }),
  discovery: DISCOVERY,
  client: CLIENT,
});

export type CliConfig = Infer<typeof CONFIG>;

// The schema and the client agree: every client option has its place (none forgotten
// when the client gains one), and each takes what the client takes. `marks` is the
// mode's to set (--follow), not the config's.
type ClientKeys = keyof Omit<
  ClientOptions,
  'servers' | 'discovery' | 'defaults' | 'key' | 'cipher' | 'marks'
>;
type Holds<T extends true> = T;
export type EveryClientOption = Holds<
  [Exclude<ClientKeys, keyof NonNullable<CliConfig['client']>>] extends [never] ? true : false
>;
export type ClientTypesAgree = Holds<
  NonNullable<CliConfig['client']> extends Omit<
    ClientOptions,
    'servers' | 'discovery' | 'defaults' | 'key' | 'cipher' | 'marks'
  >
    ? true
    : false
>;
export type DiscoveryAgrees = Holds<
  NonNullable<CliConfig['discovery']> extends NonNullable<ClientOptions['discovery']> ? true : false
>;
export type ServersAgree = Holds<
  NonNullable<CliConfig['servers']> extends ClientOptions['servers'] ? true : false
>;

function bad(path: string, why: string, cause?: unknown): CliError {
  return new CliError('ERR_CLI_BAD_CONFIG', `bad config ${path}: ${why}`, { cause });
}

/**
 * Reads a config file and checks all of it: every key at every depth, and the type of
 * every value, the level against the level table. Ranges (a port, a size) are checked by the client when it is made, and
 * reported against this file too.
 * @throws {CliError} `ERR_CLI_BAD_CONFIG` naming the file and every problem with its path.
 */
export async function readConfig(path: string): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw bad(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'unreadable', err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw bad(path, `not JSON (${(err as Error).message})`, err);
  }
  const found = problems(CONFIG, json);
  if (found.length > 0) {
    throw bad(path, found.map((i) => (i.path === '' ? i.problem : `${i.path}: ${i.problem}`)).join('; '));
  }
  const config = json as CliConfig;
  if (config.servers !== undefined && config.discovery !== undefined) {
    throw bad(path, 'servers names the fleet, discovery reads it from etcd: one or the other');
  }
  return config;
}
