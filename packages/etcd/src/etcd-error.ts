/** Stable codes of @clogs/etcd's errors. */
export type EtcdErrorCode =
  /**
   * etcd support was asked for (`discovery`, `--etcd`) but the `etcd3` package is not
   * installed: it is an optional peer dependency, installed by those who use etcd.
   */
  | 'ERR_ETCD_NOT_INSTALLED'
  /** The connection options do not go together, or a URL or name is malformed. */
  | 'ERR_ETCD_BAD_OPTION'
  /** A file of the options cannot be read, or holds a secret that group or others may read. */
  | 'ERR_ETCD_FILE';

const BRAND = Symbol.for('clogs.EtcdError');

/** Base class of @clogs/etcd's errors: switch on `code`. The message is `detail [code]`. */
export class EtcdError extends Error {
  override name = 'EtcdError';
  readonly code: EtcdErrorCode;
  /** The message without its code: what a person reads first. */
  readonly detail: string;

  constructor(code: EtcdErrorCode, message: string, options?: { cause?: unknown }) {
    // The same form as the other clogs packages' errors (@clogs/protocol's formatErrorMessage).
    super(`${message} [${code}]`, options);
    this.code = code;
    this.detail = message;
  }

  /** True for an EtcdError from any copy of this package (each bundle that carries it has its own class). */
  static is(value: unknown): value is EtcdError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  get [BRAND](): true {
    return true;
  }
}
