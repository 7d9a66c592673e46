import { BoundFields } from './bound-fields.js';
import type { Bindings, Listener, LogSink, RecordOptions } from './log-sink.js';
import { createLogStream, type LogStream, type LogStreamOptions } from './log-stream.js';

/**
 * A view of a client with bound defaults (`sysId`, `msgType`, `fileName`, `level`), pino's
 * `child()` idiom. It shares the client's queue, sockets, events and lifetime: it owns
 * nothing, so it has no `close()`. The bindings are merged once, here; a record costs one
 * `log()` call on the client and, with per-record options, eight field copies into one
 * reused object. Nest freely: a child's child merges its bindings over its parent's.
 */
export class ChildLogger implements LogSink {
  private readonly fields: BoundFields;

  /** @internal use `client.child()` */
  constructor(
    private readonly root: LogSink,
    bindings: Bindings,
    base?: BoundFields,
  ) {
    this.fields = new BoundFields(bindings, base);
  }

  /** The bound defaults. */
  get bindings(): Readonly<Bindings> {
    return this.fields.bound;
  }

  /** `client.log()` with this view's defaults under `options`. */
  log(msg: string | Uint8Array, options?: RecordOptions): boolean {
    return this.root.log(msg, this.fields.apply(options));
  }

  /** A view with `bindings` over this one's. */
  child(bindings: Bindings): ChildLogger {
    return new ChildLogger(this.root, bindings, this.fields);
  }

  /** A `Writable` over the client with this view's defaults (see `client.stream()`). */
  stream(options?: LogStreamOptions): LogStream {
    return createLogStream(this.root, options, this.fields);
  }

  /** The client's `flush()`: it flushes everything, not only this view's records. */
  flush(options?: { timeoutMs?: number }): Promise<boolean> {
    return this.root.flush(options);
  }

  /** Listens on the client: its events are the children's. */
  on(event: string, listener: Listener): this {
    this.root.on(event, listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.root.once(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.root.off(event, listener);
    return this;
  }
}
