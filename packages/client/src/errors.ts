/** Stable codes of @clogs/client's errors. */
export type ClientErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_CLIENT_BAD_OPTION'
  /** A server spec does not parse (`host:port[:weight][ name]`). */
  | 'ERR_CLIENT_BAD_SERVER'
  /** `log()` refused a record; `field` and `cause` (a ProtocolError) say why. */
  | 'ERR_CLIENT_BAD_RECORD'
  /** `log()` after `close()`. */
  | 'ERR_CLIENT_CLOSED'
  /** Reported through the `error` event: a send failed (EMSGSIZE, ENETUNREACH, ...). Never thrown. */
  | 'ERR_CLIENT_SEND'
  /** Reported through the `error` event: a server name did not resolve. Never thrown. */
  | 'ERR_CLIENT_DNS'
  /**
   * Reported through the `error` event: a server answers pings but sends no ACKs. At-most-once
   * it is then sent open-loop; at-least-once it leaves the continuum. Never thrown.
   */
  | 'ERR_CLIENT_NO_ACK'
  /**
   * Reported through the `warning` event: with `discovery`, etcd is unreachable (the last
   * fleet stands), its watch ended, or a registration does not parse. Never thrown.
   */
  | 'ERR_CLIENT_DISCOVERY';

/** Base class of @clogs/client's errors: switch on `code`. */
export class ClientError extends Error {
  override name = 'ClientError';
  readonly code: ClientErrorCode;
  /** For `ERR_CLIENT_BAD_RECORD`: the record field at fault, as the wire format names it. */
  readonly field: string | undefined;
  /** For `ERR_CLIENT_BAD_RECORD`: the protocol's own code (`ERR_PROTOCOL_...`). */
  readonly reason: string | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: { cause?: unknown; field?: string | undefined; reason?: string | undefined } = {},
  ) {
    super(`${message} [${code}]`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.reason = options.reason;
  }
}
