import { brandErrorClass, ClogsError } from '@clogs/client';

/** Stable codes of @clogs/winston's errors. */
export type WinstonTransportErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  'ERR_WINSTON_BAD_OPTION';

/** Base class of @clogs/winston's errors: switch on `code`. The message is `detail [code]`. */
export class WinstonTransportError extends ClogsError<WinstonTransportErrorCode> {
  static {
    brandErrorClass(WinstonTransportError, 'clogs.error.winston');
  }

  override name = 'WinstonTransportError';
}
