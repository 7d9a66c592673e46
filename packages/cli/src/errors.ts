/** Stable codes of clogs-cli's errors. */
export type CliErrorCode =
  /** A flag or argument is wrong (exit 64). */
  | 'ERR_CLI_USAGE'
  /** The config file cannot be read or does not follow the schema (exit 78). */
  | 'ERR_CLI_BAD_CONFIG'
  /** An input file (the key file, an `--input` file) cannot be read, or the key file is empty (exit 66). */
  | 'ERR_CLI_NO_INPUT'
  /** A line that is not `sys_id msg_type msg`, or an empty message. */
  | 'ERR_CLI_BAD_LINE';

/** Base class of clogs-cli's errors: switch on `code`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: CliErrorCode;
  /** For `ERR_CLI_BAD_LINE`: what is wrong with the line (`no-msg-type`, `empty-message`). */
  readonly reason: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; reason?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options.reason;
  }
}
