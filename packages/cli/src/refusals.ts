import { ClientError } from '@clogs/client';
import { CliError } from './errors.js';

/**
 * Why a line is refused, one label per reason: the summary counts refusals under these
 * (`2 refused (1 too-long, 1 bad-sys-id)`), and the CLI README's table lists them.
 */
export const REFUSALS = {
  'too-long': 'the record does not fit in one datagram (65,507 bytes, less the header)',
  'no-msg-type': 'clogs format: a line with a sys_id and nothing else',
  'empty-message': 'clogs format: a sys_id and a msg_type, and no message',
  'not-fields':
    "the shell, clogs format: the first two words are not in upper case (nor the prompt's): not taken as sys_id and msg_type",
  'bad-sys-id': 'the sys_id is too long or has a character the wire format does not allow',
  'bad-msg-type': 'the msg_type is too long or has a character the wire format does not allow',
  'bad-file-name': 'the file_name (--file) is too long, has a character not allowed, or starts with "."',
  'bad-level': 'the level (--level) is not one the wire format has',
  'bad-record': 'any other field the client refused',
} as const;

export type Refusal = keyof typeof REFUSALS;

const BY_FIELD: Record<string, Refusal> = {
  sys_id: 'bad-sys-id',
  msg_type: 'bad-msg-type',
  file_name: 'bad-file-name',
  level: 'bad-level',
};

/**
 * The label of a line refused with `err` (by the line parser or by `log()`).
 * @throws the error itself when it is no refusal of a line (a bug, or the client closed).
 */
export function refusalOf(err: unknown): Refusal {
  if (err instanceof CliError && err.code === 'ERR_CLI_BAD_LINE') {
    return err.reason === 'no-msg-type' || err.reason === 'too-long' ? err.reason : 'empty-message';
  }
  if (err instanceof ClientError && err.code === 'ERR_CLIENT_BAD_RECORD') {
    const cause = err.cause as { code?: string; field?: string } | undefined;
    if ((err.reason ?? cause?.code) === 'ERR_PROTOCOL_RECORD_TOO_LARGE') return 'too-long';
    return BY_FIELD[err.field ?? cause?.field ?? ''] ?? 'bad-record';
  }
  throw err;
}
