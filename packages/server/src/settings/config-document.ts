import { printable } from '@clogs/etcd';
import { ServerError } from '../errors.js';
import {
  checkLiveConfig,
  LIVE_OPTIONS,
  type LiveConfig,
  type LiveOption,
  type LiveSettings,
  SYS_OPTIONS,
  type SysConfig,
  type SysOption,
} from '../live-options.js';
import { SYS_ID } from '../options.js';

/** A document of the config centre as read: its key, its JSON text, the revision that wrote it. */
export interface ConfigDocument {
  key: string;
  text: string;
  revision: string;
}

/** What the server-config documents ask of a server. */
export interface ConfigVerdict {
  /**
   * The live options to apply: the documents' good values, the base (flags, defaults)
   * for what they leave out or set to null, the current value for what they get wrong.
   * Options a flag holds are never in it.
   */
  next: LiveConfig;
  /** One per refused value (or per document that is not a JSON object). */
  refused: ServerError[];
  /** Options the documents set that a command-line flag holds: the flag wins. */
  pinned: LiveOption[];
}

/** A live option's value as a line shows it: JSON, a set as its list, undefined as `default`. */
export function showSetting(value: unknown): string {
  if (value === undefined) return 'default';
  return printable(JSON.stringify(value instanceof Set ? [...value] : value), 120);
}

/** The live options of `settings` as applyConfig() takes them. */
function asConfig(settings: LiveSettings, keys: readonly LiveOption[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = settings[k];
    out[k] = v instanceof Set ? [...v] : v;
  }
  return out;
}

function refusal(doc: ConfigDocument, why: string): ServerError {
  return new ServerError('ERR_SERVER_CONFIG', `${doc.key} at revision ${doc.revision}${why}`);
}

/** The document's object, or undefined (and a refusal) when it is not a JSON object. */
function parse(doc: ConfigDocument, refused: ServerError[]): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(doc.text);
  } catch {
    value = undefined;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return value as Record<string, unknown>;
  refused.push(
    refusal(
      doc,
      ` is not a JSON object (${printable(doc.text, 60)}): nothing of it applied, its settings stay`,
    ),
  );
  return undefined;
}

/**
 * Takes `doc`'s options into `out`: each value checked on its own; a bad one refused,
 * naming the key, the option and why, and `out` given `current`'s value for it.
 */
function take(
  doc: ConfigDocument,
  object: Record<string, unknown>,
  allowed: readonly LiveOption[],
  pinned: ReadonlySet<LiveOption>,
  current: Readonly<Record<string, unknown>>,
  out: Record<string, unknown>,
  verdict: ConfigVerdict,
): void {
  for (const [option, value] of Object.entries(object)) {
    if (!(allowed as readonly string[]).includes(option)) {
      verdict.refused.push(
        refusal(
          doc,
          `: ${printable(option, 60)} is not a setting ${allowed === LIVE_OPTIONS ? 'a server takes live' : 'of a sub-system'} (those are ${allowed.join(', ')})`,
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
      out[live] = value;
    } catch (err) {
      const last = current[live];
      if (last === undefined) delete out[live];
      else out[live] = last instanceof Set ? [...last] : last;
      verdict.refused.push(
        refusal(
          doc,
          `: ${live} refused: ${printable((err as ServerError).detail ?? String(err))}; keeping ${showSetting(last)}`,
        ),
      );
    }
  }
}

/**
 * Reads `/clogs/<cluster>/server-config` (`cluster`; undefined: no such key) and the
 * sub-systems' `server-config/<sys_id>` documents into the options to apply. A
 * document is a JSON object of live options as `createServer()` takes them
 * (`allowSys` a list, `rollEvery` `"hour"` or `"day"`); a sub-system's holds only
 * {@link SYS_OPTIONS}. Null, or leaving an option out, means the base value (for a
 * sub-system: the server's). A document that is not a JSON object is refused whole and
 * changes nothing.
 */
export function readServerConfig(
  cluster: ConfigDocument | undefined,
  sys: ReadonlyMap<string, ConfigDocument>,
  current: LiveSettings,
  base: LiveSettings,
  pinned: ReadonlySet<LiveOption>,
): ConfigVerdict {
  const free = LIVE_OPTIONS.filter((k) => !pinned.has(k));
  const verdict: ConfigVerdict = { next: {}, refused: [], pinned: [] };
  const next = asConfig(base, free);
  const object = cluster === undefined ? {} : parse(cluster, verdict.refused);
  if (object === undefined) Object.assign(next, asConfig(current, free));
  else take(cluster!, object, LIVE_OPTIONS, pinned, current, next, verdict);
  const table: Record<string, SysConfig> = {};
  for (const [sysId, doc] of sys) {
    if (!SYS_ID.test(sysId)) {
      verdict.refused.push(refusal(doc, ': not a sys_id (1-4 of A-Za-z0-9_): ignored'));
      continue;
    }
    const now = current.sys.get(sysId) ?? {};
    const own = parse(doc, verdict.refused);
    const out: Record<string, unknown> = {};
    if (own === undefined) Object.assign(out, now);
    else take(doc, own, SYS_OPTIONS as readonly SysOption[], pinned, now, out, verdict);
    if (Object.keys(out).length > 0) table[sysId] = out as SysConfig;
  }
  verdict.next = { ...(next as LiveConfig), sys: table };
  return verdict;
}
