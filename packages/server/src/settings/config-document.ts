import { printable } from '@clogs/etcd';
import { ServerError } from '../errors.js';
import {
  checkLiveConfig,
  LIVE_OPTIONS,
  type LiveConfig,
  type LiveOption,
  type LiveSettings,
} from '../options.js';

/** What the server-config document asks of a server. */
export interface ConfigVerdict {
  /**
   * The live options to apply: the document's good values, the base (flags, defaults)
   * for what it leaves out or sets to null, the current value for what it gets wrong.
   * Options a flag holds are never in it. Empty when the document is refused whole.
   */
  next: LiveConfig;
  /** One per refused value (or one for a document that is not a JSON object). */
  refused: ServerError[];
  /** Options the document sets that a command-line flag holds: the flag wins. */
  pinned: LiveOption[];
}

/** A live option's value as a line shows it: JSON, a set as its list, undefined as `default`. */
export function showSetting(value: unknown): string {
  if (value === undefined) return 'default';
  return printable(JSON.stringify(value instanceof Set ? [...value] : value), 120);
}

/** The live options of `settings` as applyConfig() takes them. */
function asConfig(settings: LiveSettings, keys: readonly LiveOption[]): LiveConfig {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = settings[k];
    out[k] = v instanceof Set ? [...v] : v;
  }
  return out as LiveConfig;
}

/**
 * Reads `/clogs/<cluster>/server-config` (`text` at `revision`; undefined: no such key)
 * into the options to apply. Its JSON form is an object of live options as
 * `createServer()` takes them (`allowSys` a list, `rollEvery` `"hour"` or `"day"`);
 * null, or leaving an option out, means the base value. Each value is checked on its
 * own: a bad one is refused, naming the key, the option and why, and that option
 * keeps its current value while the others apply.
 */
export function readServerConfig(
  key: string,
  text: string | undefined,
  revision: string,
  current: LiveSettings,
  base: LiveSettings,
  pinned: ReadonlySet<LiveOption>,
): ConfigVerdict {
  const free = LIVE_OPTIONS.filter((k) => !pinned.has(k));
  const verdict: ConfigVerdict = { next: asConfig(base, free), refused: [], pinned: [] };
  if (text === undefined) return verdict;
  const where = `${key} at revision ${revision}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    doc = err;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || doc instanceof Error) {
    verdict.next = {};
    verdict.refused.push(
      new ServerError(
        'ERR_SERVER_CONFIG',
        `${where} is not a JSON object (${printable(text, 60)}): nothing of it applied, every setting stays`,
      ),
    );
    return verdict;
  }
  const next = verdict.next as Record<string, unknown>;
  for (const [option, value] of Object.entries(doc)) {
    if (!(LIVE_OPTIONS as readonly string[]).includes(option)) {
      verdict.refused.push(
        new ServerError(
          'ERR_SERVER_CONFIG',
          `${where}: ${printable(option, 60)} is not a setting a server takes live (those are ${LIVE_OPTIONS.join(', ')})`,
        ),
      );
      continue;
    }
    const live = option as LiveOption;
    if (pinned.has(live)) {
      verdict.pinned.push(live);
      continue;
    }
    if (value === null) continue;
    try {
      checkLiveConfig({ [live]: value });
      next[live] = value;
    } catch (err) {
      next[live] = asConfig(current, [live])[live];
      verdict.refused.push(
        new ServerError(
          'ERR_SERVER_CONFIG',
          `${where}: ${live} refused: ${printable((err as ServerError).detail ?? String(err))}; keeping ${showSetting(current[live])}`,
        ),
      );
    }
  }
  return verdict;
}
