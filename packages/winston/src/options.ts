import type { ClientOptions, LogSink } from '@clogs/client';
import type TransportStream from 'winston-transport';
import { WinstonTransportError } from './errors.js';

export interface ClogsWinstonOptions
  extends Omit<ClientOptions, 'servers'>,
    Omit<TransportStream.TransportStreamOptions, 'log' | 'logv' | 'close'> {
  /** The fleet (see `@clogs/client`). Required unless `client` is given. */
  servers?: ClientOptions['servers'] | undefined;
  /** Log through this client (a child of one, or the test double) instead of owning one: flushed at the end, not closed. */
  client?: LogSink | undefined;
  /** A field of the info object that names the record's file (`file_name`); default: `defaults.fileName`. */
  fileKey?: string | undefined;
  /** `'line'` (default): the line winston's format made (`info[Symbol.for('message')]`). `'msg'`: `info.message` alone. */
  message?: 'line' | 'msg' | undefined;
  /** How long the end waits for records to be delivered before giving them up. Default 5,000 ms. */
  closeTimeoutMs?: number | undefined;
  /** How long a record waits for the client's `'drain'` before going on without. Default 1,000 ms. */
  drainTimeoutMs?: number | undefined;
}

export interface ResolvedWinstonOptions {
  transport: TransportStream.TransportStreamOptions;
  client: ClientOptions | undefined;
  borrowed: LogSink | undefined;
  fileKey: string | undefined;
  messageOnly: boolean;
  closeTimeoutMs: number;
  drainTimeoutMs: number;
}

function bad(name: string, rule: string, value: unknown): WinstonTransportError {
  return new WinstonTransportError('ERR_WINSTON_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

function ms(name: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
    throw bad(name, 'an integer number of ms', v);
  }
  return v;
}

export function resolveWinstonOptions(o: ClogsWinstonOptions): ResolvedWinstonOptions {
  if (typeof o !== 'object' || o === null) throw bad('options', 'an object', o);
  const {
    format,
    level,
    silent,
    handleExceptions,
    handleRejections,
    client,
    servers,
    fileKey,
    message = 'line',
    closeTimeoutMs,
    drainTimeoutMs,
    ...clientOptions
  } = o;
  if (message !== 'line' && message !== 'msg') throw bad('message', "'line' or 'msg'", message);
  if (fileKey !== undefined && (typeof fileKey !== 'string' || fileKey === '')) {
    throw bad('fileKey', 'a field name', fileKey);
  }
  if (client === undefined && servers === undefined) throw bad('servers', 'a non-empty list', servers);
  const transport: TransportStream.TransportStreamOptions = {};
  if (format !== undefined) transport.format = format;
  if (level !== undefined) transport.level = level;
  if (silent !== undefined) transport.silent = silent;
  if (handleExceptions !== undefined) transport.handleExceptions = handleExceptions;
  if (handleRejections !== undefined) transport.handleRejections = handleRejections;
  return {
    transport,
    client: client === undefined ? { ...clientOptions, servers: servers! } : undefined,
    borrowed: client,
    fileKey,
    messageOnly: message === 'msg',
    closeTimeoutMs: ms('closeTimeoutMs', closeTimeoutMs, 5000),
    drainTimeoutMs: ms('drainTimeoutMs', drainTimeoutMs, 1000),
  };
}
