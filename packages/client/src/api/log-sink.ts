import type { LevelInput } from '../options.js';

/** An event listener, as Node's `EventEmitter` types it. */
// biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener type, so a client is a LogSink
export type Listener = (...args: any[]) => void;

/** Per-record fields, as `log()` takes them (`LogOptions`); anything omitted comes from the defaults. */
export interface RecordOptions {
  sysId?: string | undefined;
  msgType?: string | undefined;
  fileName?: string | undefined;
  level?: LevelInput | undefined;
  /** µs since the epoch; default: now. */
  timeUs?: number | bigint | undefined;
  headLen?: number | undefined;
  reserved?: Uint8Array | undefined;
  /** Send to this server (by name) instead of routing, while it is up. */
  server?: string | undefined;
}

/** Fields bound once to a view (`child()`, `stream()`): the defaults of every record it logs. */
export interface Bindings {
  sysId?: string | undefined;
  msgType?: string | undefined;
  fileName?: string | undefined;
  level?: LevelInput | undefined;
}

/**
 * What a view, a stream or a transport needs of a client: `ClogsClient`, its children and
 * the test double (`@clogs/client/testing`) are all one. `log()` reads `options` before
 * it returns and keeps no reference to it, so a caller may reuse one object for every record.
 */
export interface LogSink {
  /** Takes one record; false: past the high-water mark, wait for `'drain'`. Throws `ClientError` for a bad record. */
  log(msg: string | Uint8Array, options?: RecordOptions): boolean;
  /** Resolves true once everything taken so far is delivered, false at `timeoutMs`. */
  flush(options?: { timeoutMs?: number }): Promise<boolean>;
  /** Events: `'drain'`, and the client's `'up'`, `'down'`, `'drop'`, `'warning'`. */
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}
