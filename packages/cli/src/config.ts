import { readFile } from 'node:fs/promises';
import type { ClientOptions, ServerInput } from '@clogs/client';
import { type ProtocolError, parseLevel } from '@clogs/protocol';
import { CliError } from './errors.js';

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
 * Every key is optional; `client` takes the options of `@clogs/client` except
 * `servers`, `defaults` and `key` (use `--key-file`). Unknown keys are refused, so a
 * typo is an error rather than a silently ignored setting.
 */
export interface CliConfig {
  servers?: ServerInput[];
  defaults?: { sysId?: string; msgType?: string; fileName?: string; level?: string | number };
  client?: Omit<ClientOptions, 'servers' | 'defaults' | 'key'>;
}

const TOP = ['servers', 'defaults', 'client'];
const DEFAULTS = ['sysId', 'msgType', 'fileName', 'level'];
const CLIENT = [
  'route',
  'maxDatagramBytes',
  'flushIntervalMs',
  'maxQueueBytes',
  'highWaterBytes',
  'onFull',
  'ping',
  'delivery',
  'pace',
  'routeCacheSize',
  'dnsRefreshMs',
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(where: string, value: unknown, allowed: string[], path: string): void {
  if (!isObject(value)) throw bad(path, `${where} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw bad(path, `unknown key ${where === 'the file' ? '' : `${where}.`}${key}`);
  }
}

function bad(path: string, why: string, cause?: unknown): CliError {
  return new CliError('ERR_CLI_BAD_CONFIG', `bad config ${path}: ${why}`, { cause });
}

/**
 * Reads and checks a config file's shape, and its level against the level table. Other
 * values (server specs, option ranges) are checked by the client when it is made, and
 * reported against this file too.
 * @throws {CliError} `ERR_CLI_BAD_CONFIG` naming the file and what is wrong.
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
  checkKeys('the file', json, TOP, path);
  const config = json as CliConfig & Record<string, unknown>;
  if (config.servers !== undefined && !Array.isArray(config.servers)) {
    throw bad(path, 'servers must be a list');
  }
  if (config.defaults !== undefined) {
    checkKeys('defaults', config.defaults, DEFAULTS, path);
    const level = config.defaults.level;
    if (level !== undefined) {
      try {
        parseLevel(level);
      } catch (err) {
        throw bad(path, `defaults.${(err as ProtocolError).detail}`, err);
      }
    }
  }
  if (config.client !== undefined) checkKeys('client', config.client, CLIENT, path);
  return config;
}
