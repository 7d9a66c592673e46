/** Stable codes of @clogs/pino's errors. */
export type PinoTransportErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_PINO_BAD_OPTION'
  /** The key file cannot be read, or is empty. */
  | 'ERR_PINO_KEY_FILE';

/** Base class of @clogs/pino's errors: switch on `code`. */
export class PinoTransportError extends Error {
  override name = 'PinoTransportError';
  readonly code: PinoTransportErrorCode;

  constructor(code: PinoTransportErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(`${message} [${code}]`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
