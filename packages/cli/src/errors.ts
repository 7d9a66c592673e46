import { brandErrorClass, ClogsError, formatErrorMessage } from '@clogs/protocol';

/** Stable codes of clogs-cli's errors. */
export type CliErrorCode =
  /** A flag or argument is wrong (exit 64). */
  | 'ERR_CLI_USAGE'
  /** The config file cannot be read or does not follow the schema (exit 78). */
  | 'ERR_CLI_BAD_CONFIG'
  /** An input file (the key file, an `--input` file) cannot be read, or the key file is empty (exit 66). */
  | 'ERR_CLI_NO_INPUT'
  /** A file clogs-cli must write cannot be (the `--follow` state file; exit 73). */
  | 'ERR_CLI_CANT_CREATE'
  /** A line that is not `sys_id msg_type msg`, an empty message, or a line too long for a datagram. */
  | 'ERR_CLI_BAD_LINE';

/** Base class of clogs-cli's errors: switch on `code`. The message is `detail [code]`. */
export class CliError extends ClogsError<CliErrorCode> {
  static {
    brandErrorClass(CliError, 'clogs.error.cli');
  }

  override name = 'CliError';
  /** For `ERR_CLI_BAD_LINE`: what is wrong with the line (`no-msg-type`, `empty-message`, `too-long`). */
  readonly reason: string | undefined;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown; reason?: string } = {}) {
    super(code, message, options);
    this.reason = options.reason;
  }
}

/**
 * What to tell a person about an error: the message of the innermost clogs error in its
 * `cause` chain, the most specific one (a refused record: the protocol's rule and code,
 * not the client's wrapper around it), with `more` said before its code. One code, at the end.
 */
export function mostSpecificMessage(err: unknown, more = ''): string {
  let found: ClogsError | undefined;
  // Bounded: a cause chain is a few links; a cycle must not hang the CLI.
  for (let e: unknown = err, i = 0; e instanceof Error && i < 16; e = e.cause, i++) {
    if (e instanceof ClogsError) found = e;
  }
  if (found !== undefined) return formatErrorMessage(`${found.detail}${more}`, found.code);
  return `${err instanceof Error ? err.message : String(err)}${more}`;
}
