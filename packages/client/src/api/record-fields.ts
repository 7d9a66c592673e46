import { type LogRecordInput, parseLevel } from '@clogs/protocol';
import { ClientError } from '../errors.js';
import type { RecordOptions } from './log-sink.js';

/** A client's record defaults (`defaults` resolved): what an omitted field takes. */
export interface RecordDefaults {
  sysId: string | undefined;
  msgType: string | undefined;
  fileName: string | undefined;
  /** 0 when not given. */
  level: number;
}

/**
 * Fills `rec` (reused from call to call: nothing is allocated) with one `log()` call's
 * fields, each from `options` or else the defaults. A field neither gives is left
 * undefined, which the encoder refuses as not a string (`ERR_PROTOCOL_BAD_CHARSET`): the
 * cast lets it get that far, so the refusal names the field. The level is not set here (see
 * {@link recordLevel}).
 */
export function fillRecord(
  rec: LogRecordInput,
  msg: string | Uint8Array,
  options: RecordOptions | undefined,
  d: RecordDefaults,
): void {
  rec.msg = msg;
  rec.sysId = options?.sysId ?? d.sysId ?? (undefined as unknown as string);
  rec.msgType = options?.msgType ?? d.msgType ?? (undefined as unknown as string);
  rec.fileName = options?.fileName ?? d.fileName ?? (undefined as unknown as string);
  rec.timeUs = options?.timeUs;
  rec.headLen = options?.headLen;
  rec.reserved = options?.reserved;
}

/**
 * The record's level, from `options` or else the default. Called inside the refusal's
 * `try`, with the encoding: a bad level is refused and counted as any bad field is.
 */
export function recordLevel(options: RecordOptions | undefined, d: RecordDefaults): number {
  return options?.level === undefined ? d.level : parseLevel(options.level);
}

/** What `log()` throws after `close()`. */
export function closedError(): ClientError {
  return new ClientError('ERR_CLIENT_CLOSED', 'log() after close()');
}
