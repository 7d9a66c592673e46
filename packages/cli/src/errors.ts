import { formatErrorMessage } from '@clogs/protocol';

/** Stable codes of clogs-cli's errors. */
export type CliErrorCode =
  /** A flag or argument is wrong (exit 64). */
  | 'ERR_CLI_USAGE'
  /** The config file cannot be read or does not follow the schema (exit 78). */
  | 'ERR_CLI_BAD_CONFIG'
  /** A line that is not `sys_id msg_type msg`, or an empty message. */
  | 'ERR_CLI_BAD_LINE';

/** Base class of clogs-cli's errors: switch on `code`. The message is `detail [code]`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly code: CliErrorCode;
  /** The message without its code: what a person reads first. */
  readonly detail: string;

  constructor(code: CliErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(
      formatErrorMessage(message, code),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.detail = message;
  }
}

/** An error in the clogs format: a `code`, and a `detail` the message adds the code to. */
interface TypedError extends Error {
  code: string;
  detail: string;
}

const isTyped = (err: unknown): err is TypedError =>
  err instanceof Error &&
  typeof (err as Partial<TypedError>).code === 'string' &&
  typeof (err as Partial<TypedError>).detail === 'string';

/**
 * What to tell a person about an error: the message of the innermost clogs error in its
 * `cause` chain, the most specific one (a refused record: the protocol's rule and code,
 * not the client's wrapper around it). One code, at the end.
 */
export function mostSpecificMessage(err: unknown): string {
  let found: TypedError | undefined;
  // Bounded: a cause chain is a few links; a cycle must not hang the CLI.
  for (let e: unknown = err, i = 0; e instanceof Error && i < 16; e = e.cause, i++) {
    if (isTyped(e)) found = e;
  }
  return found?.message ?? (err instanceof Error ? err.message : String(err));
}
