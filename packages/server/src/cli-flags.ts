import { parseArgs } from 'node:util';
import {
  parseBytes,
  parseFraction,
  parseInteger,
  parseList,
  parseMode,
  parseRollEvery,
} from './cli-values.js';
import type { ServerOptions } from './options.js';

/** The command line's flags, by parseArgs' rules (strict: an unknown flag is an error). */
export function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'flush-ms': { type: 'string' },
      'roll-bytes': { type: 'string' },
      'max-pending': { type: 'string' },
      'recv-buffer': { type: 'string' },
      'max-open-files': { type: 'string' },
      'key-file': { type: 'string', multiple: true },
      insecure: { type: 'boolean' },
      'accept-v1': { type: 'boolean' },
      'allow-integrity-only': { type: 'boolean' },
      'max-total-bytes': { type: 'string' },
      'max-files': { type: 'string' },
      'allow-sys': { type: 'string' },
      'roll-every': { type: 'string' },
      'file-mode': { type: 'string' },
      'dir-mode': { type: 'string' },
      'mask-pan': { type: 'boolean' },
      attribution: { type: 'boolean' },
      'ack-after-write': { type: 'boolean' },
      'ack-early': { type: 'boolean' },
      'fault-write-delay': { type: 'string' },
      'fault-no-ack': { type: 'boolean' },
      etcd: { type: 'string' },
      cluster: { type: 'string' },
      name: { type: 'string' },
      weight: { type: 'string' },
      advertise: { type: 'string' },
      'lease-ttl': { type: 'string' },
      'etcd-ca': { type: 'string' },
      'etcd-cert': { type: 'string' },
      'etcd-key': { type: 'string' },
      'etcd-user': { type: 'string' },
      'etcd-password-file': { type: 'string' },
      metrics: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      'fault-silent': { type: 'boolean' },
      'fault-drop': { type: 'string' },
      'fault-ack-delay': { type: 'string' },
    },
  });
}

/** The flags clogs-server was given, as parseArgs reads them. */
export type ServerFlags = ReturnType<typeof parseFlags>['values'];

/**
 * The server's options from its flags (those of the registry, the metrics endpoint and
 * the key files are read elsewhere).
 * @throws {Error} naming the flag whose value is bad.
 */
export function serverOptions(values: ServerFlags): ServerOptions {
  return {
    host: values.host,
    port: values.port === undefined ? 7070 : parseInteger('--port', values.port),
    dataDir: values['data-dir'],
    flushMs: values['flush-ms'] === undefined ? undefined : parseInteger('--flush-ms', values['flush-ms']),
    rollBytes:
      values['roll-bytes'] === undefined ? undefined : parseBytes('--roll-bytes', values['roll-bytes']),
    maxPendingBytes:
      values['max-pending'] === undefined ? undefined : parseBytes('--max-pending', values['max-pending']),
    recvBufferBytes:
      values['recv-buffer'] === undefined ? undefined : parseBytes('--recv-buffer', values['recv-buffer']),
    maxOpenFiles:
      values['max-open-files'] === undefined
        ? undefined
        : parseInteger('--max-open-files', values['max-open-files']),
    maxTotalBytes:
      values['max-total-bytes'] === undefined
        ? undefined
        : parseBytes('--max-total-bytes', values['max-total-bytes']),
    maxFiles:
      values['max-files'] === undefined ? undefined : parseInteger('--max-files', values['max-files']),
    allowSys: values['allow-sys'] === undefined ? undefined : parseList(values['allow-sys']),
    rollEvery: values['roll-every'] === undefined ? undefined : parseRollEvery(values['roll-every']),
    fileMode: values['file-mode'] === undefined ? undefined : parseMode('--file-mode', values['file-mode']),
    dirMode: values['dir-mode'] === undefined ? undefined : parseMode('--dir-mode', values['dir-mode']),
    maskPan: values['mask-pan'],
    insecure: values.insecure,
    acceptV1: values['accept-v1'],
    allowIntegrityOnly: values['allow-integrity-only'],
    attribution: values.attribution,
    ackAfterWrite: values['ack-early'] !== true,
    faults: {
      silent: values['fault-silent'] ?? false,
      dropFraction:
        values['fault-drop'] === undefined ? 0 : parseFraction('--fault-drop', values['fault-drop']),
      ackDelayMs:
        values['fault-ack-delay'] === undefined
          ? 0
          : parseInteger('--fault-ack-delay', values['fault-ack-delay']),
      noAck: values['fault-no-ack'] ?? false,
      writeDelayMs:
        values['fault-write-delay'] === undefined
          ? 0
          : parseInteger('--fault-write-delay', values['fault-write-delay']),
    },
  };
}
