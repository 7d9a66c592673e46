import { brandErrorClass, ClogsError, ProtocolError } from '@clogs/protocol';

/**
 * Stable codes of @clogs/client's errors. The client never emits `'error'` (an `'error'`
 * event rejects a caller's `await once(client, ...)` and kills a process nobody listens
 * in): what goes wrong after `log()` returned comes as a `'warning'` event.
 */
export type ClientErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_CLIENT_BAD_OPTION'
  /** A server spec does not parse (`host:port[:weight][ name]`). */
  | 'ERR_CLIENT_BAD_SERVER'
  /** `log()` refused a record; `field` and `cause` (a ProtocolError) say why. */
  | 'ERR_CLIENT_BAD_RECORD'
  /** `log()` after `close()`. */
  | 'ERR_CLIENT_CLOSED'
  /** Reported through the `warning` event: a send failed (EMSGSIZE, ENETUNREACH, ...). Never thrown. */
  | 'ERR_CLIENT_SEND'
  /** Reported through the `warning` event: a server name did not resolve. Never thrown. */
  | 'ERR_CLIENT_DNS'
  /**
   * Reported through the `warning` event: a UDP socket could not be made or failed (EMFILE,
   * a bind error, ...). A server that cannot have a socket of its own shares the client's. Never thrown.
   */
  | 'ERR_CLIENT_SOCKET'
  /**
   * Reported through the `warning` event: a server answers pings but sends no ACKs. At-most-once
   * it is then sent open-loop; at-least-once it leaves the continuum. Never thrown.
   */
  | 'ERR_CLIENT_NO_ACK'
  /**
   * Reported through the `warning` event: with `discovery`, etcd is unreachable (the last
   * fleet stands), its watch ended, or a registration does not parse. Never thrown.
   */
  | 'ERR_CLIENT_DISCOVERY'
  /**
   * Thrown by createClient() with `discovery` when the `etcd3` package, an optional peer
   * dependency, is not installed; the message says what to install.
   */
  | 'ERR_CLIENT_NOT_INSTALLED'
  /**
   * With `spool`: thrown by createClient() when the spool folder cannot be made, read,
   * written or locked (another live process uses it); reported through `warning` when a
   * later write fails (records are then held in memory only).
   */
  | 'ERR_CLIENT_SPOOL';

/**
 * Base class of @clogs/client's errors: switch on `code`. The message is `detail [code]`;
 * one that wraps another error keeps it as `cause` and does not repeat its code.
 */
export class ClientError extends ClogsError<ClientErrorCode> {
  static {
    brandErrorClass(ClientError, 'clogs.error.client');
  }

  override name = 'ClientError';
  /** For `ERR_CLIENT_BAD_RECORD`: the record field at fault, as the wire format names it. */
  readonly field: string | undefined;
  /** For `ERR_CLIENT_BAD_RECORD`: the protocol's own code (`ERR_PROTOCOL_...`). */
  readonly reason: string | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: { cause?: unknown; field?: string | undefined; reason?: string | undefined } = {},
  ) {
    super(code, message, options);
    this.field = options.field;
    this.reason = options.reason;
  }
}

/** Wraps a protocol refusal as the client's typed error, keeping the field and the protocol's code. */
export function toRecordError(err: unknown): ClientError {
  if (err instanceof ProtocolError) {
    return new ClientError('ERR_CLIENT_BAD_RECORD', `record refused: ${err.detail}`, {
      cause: err,
      field: err.field,
      reason: err.code,
    });
  }
  return new ClientError('ERR_CLIENT_BAD_RECORD', `record refused: ${String(err)}`, { cause: err });
}
