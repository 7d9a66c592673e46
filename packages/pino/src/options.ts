import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { type ClientOptions, type FrameKey, type LogSink, parseKeyFile } from '@clogs/client';
import { PinoTransportError } from './errors.js';

/**
 * The transport's options: what `pino.transport({ target: '@clogs/pino', options })`
 * passes. They cross a structured clone into pino's worker thread, so no functions:
 * `route` is `'file'` or `'record'`, and the key is a file or bytes.
 */
export interface ClogsPinoOptions extends Omit<ClientOptions, 'route' | 'servers'> {
  /** The fleet (see `@clogs/client`). Required unless `client` is given. */
  servers?: ClientOptions['servers'] | undefined;
  route?: 'file' | 'record' | undefined;
  /**
   * A key file (`clogs-cli keygen <file>` writes one), instead of `key`: refused when group
   * or others may read it, or when its key is weak. Frames are then sealed with `cipher`.
   */
  keyFile?: string | undefined;
  /** A field of the log object that names the record's file (`file_name`); default: `defaults.fileName`. */
  fileKey?: string | undefined;
  /** `'line'` (default): the whole NDJSON line, bindings and `err.stack` kept. `'msg'`: only the message. */
  message?: 'line' | 'msg' | undefined;
  /** pino's `messageKey`, for `message: 'msg'`. Default `'msg'`. */
  messageKey?: string | undefined;
  /** How long the close hook waits for records to be delivered before giving them up. Default 5,000 ms (pino gives up at 10 s). */
  closeTimeoutMs?: number | undefined;
  /** How long a line waits for the client's `'drain'` before going on without. Default 1,000 ms. */
  drainTimeoutMs?: number | undefined;
  /**
   * In-process only (`pino(await clogsTransport({ client }))`, not through a worker): log
   * through this client, a child of one or the test double. Borrowed: flushed at close, not closed.
   */
  client?: LogSink | undefined;
}

export interface ResolvedPinoOptions {
  client: ClientOptions | undefined;
  borrowed: LogSink | undefined;
  fileKey: string | undefined;
  messageOnly: boolean;
  messageKey: string;
  closeTimeoutMs: number;
  drainTimeoutMs: number;
}

function bad(name: string, rule: string, value: unknown): PinoTransportError {
  return new PinoTransportError('ERR_PINO_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

function ms(name: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
    throw bad(name, 'an integer number of ms', v);
  }
  return v;
}

/**
 * Reads a key file as the protocol's readKeyFile does (pino's options are resolved
 * synchronously): group or others with access to it, a weak key, or a file that cannot
 * be read refuse it, naming the file.
 */
function readKey(path: string): FrameKey {
  let content: Buffer;
  let mode: number;
  try {
    const fd = openSync(path, 'r');
    try {
      mode = fstatSync(fd).mode & 0o777;
      content = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new PinoTransportError('ERR_PINO_KEY_FILE', `cannot read key file ${path}`, { cause: err });
  }
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, '0');
    throw new PinoTransportError(
      'ERR_PINO_KEY_FILE',
      `key file ${path} has mode ${octal}: group and others must have no access to a key; run chmod 600 ${path}`,
    );
  }
  try {
    return parseKeyFile(content, path);
  } catch (err) {
    const { detail } = err as { detail?: string };
    if (detail === undefined) throw err;
    throw new PinoTransportError('ERR_PINO_KEY_FILE', detail, { cause: err });
  }
}

export function resolvePinoOptions(o: ClogsPinoOptions): ResolvedPinoOptions {
  if (typeof o !== 'object' || o === null) throw bad('options', 'an object', o);
  const {
    keyFile,
    fileKey,
    message = 'line',
    messageKey = 'msg',
    closeTimeoutMs,
    drainTimeoutMs,
    client,
    servers,
    ...clientOptions
  } = o;
  if (message !== 'line' && message !== 'msg') throw bad('message', "'line' or 'msg'", message);
  if (fileKey !== undefined && (typeof fileKey !== 'string' || fileKey === '')) {
    throw bad('fileKey', 'a field name', fileKey);
  }
  if (typeof messageKey !== 'string' || messageKey === '')
    throw bad('messageKey', 'a field name', messageKey);
  if (client === undefined && servers === undefined) throw bad('servers', 'a non-empty list', servers);
  if (keyFile !== undefined && clientOptions.key !== undefined)
    throw bad('keyFile', 'absent when key is given', keyFile);
  return {
    client:
      client === undefined
        ? {
            ...clientOptions,
            servers: servers!,
            ...(keyFile === undefined ? {} : { key: readKey(keyFile) }),
          }
        : undefined,
    borrowed: client,
    fileKey,
    messageOnly: message === 'msg',
    messageKey,
    closeTimeoutMs: ms('closeTimeoutMs', closeTimeoutMs, 5000),
    drainTimeoutMs: ms('drainTimeoutMs', drainTimeoutMs, 1000),
  };
}
