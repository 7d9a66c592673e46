/** Stable codes of @clogs/winston's errors. */
export type WinstonTransportErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  'ERR_WINSTON_BAD_OPTION';

/** Base class of @clogs/winston's errors: switch on `code`. */
export class WinstonTransportError extends Error {
  override name = 'WinstonTransportError';
  readonly code: WinstonTransportErrorCode;

  constructor(code: WinstonTransportErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`${message} [${code}]`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
