import { brandErrorClass, ClogsError } from '@clogs/client';

/** Stable codes of @clogs/pino's errors. */
export type PinoTransportErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_PINO_BAD_OPTION'
  /** The key file cannot be read, or is empty. */
  | 'ERR_PINO_KEY_FILE';

/** Base class of @clogs/pino's errors: switch on `code`. The message is `detail [code]`. */
export class PinoTransportError extends ClogsError<PinoTransportErrorCode> {
  static {
    brandErrorClass(PinoTransportError, 'clogs.error.pino');
  }

  override name = 'PinoTransportError';
}
