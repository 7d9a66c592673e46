import { parseArgs } from 'node:util';
import { ServerError } from './errors.js';
import { readKeyFile } from './key-file.js';
import { type MetricsAddress, parseMetricsAddress } from './metrics/metrics-endpoint.js';
import { startServerMetrics } from './metrics/server-endpoint.js';
import type { ServerOptions } from './options.js';
import { type RegisteredEvent, Registration } from './registry/registration.js';
import { planRegistry, type RegistryPlan, registrationOptions } from './registry/registry-flags.js';
import { createServer } from './server.js';

/** Exit codes, after sysexits.h, so scripts can tell failures apart. */
export const ExitCode = {
  OK: 0,
  /** Bad command line. */
  USAGE: 64,
  /** The key file cannot be read or is empty. */
  NO_INPUT: 66,
  /** The socket cannot be bound or the data folder made. */
  OS_ERROR: 71,
  /** `--etcd`: another live server holds this `--name` (EX_CONFIG). */
  NAME_TAKEN: 78,
} as const;

const HELP = `usage: clogs-server [options]

The clogs reference log server: answers pings, acknowledges LOG frames, and writes
one line per record to <data-dir>/<sys_id>/<file_name>.log.

options:
  --host <addr>          address to listen on, IPv4 or IPv6 (default 127.0.0.1)
  --port <n>             UDP port, 0 for any free one (default 7070)
  --data-dir <dir>       where log files go (default ./clogs-data)
  --flush-ms <ms>        write buffered lines at least this often (default 200)
  --roll-bytes <n>       roll a file before it passes this size, e.g. 64M (default 256M)
  --max-pending <n>      drop new frames while this much waits for the disk (default 64M)
  --recv-buffer <n>      UDP receive buffer to ask for (default 8M; Linux caps it at rmem_max)
  --max-open-files <n>   files kept open at once; idle ones are closed first (default 256)
  --key-file <path>      accept only frames signed with this key (AUTH); without it,
                         signed frames are refused
  --mask-pan             mask card numbers (13-19 digits) after head_len: keep first 6, last 4
  --ack-early            ACK once lines are buffered, not once they are in the file:
                         a server killed then loses lines it ACKed (at-least-once
                         clients lose them), and clients' windows stop following
                         the disk. The default ACKs after the write.
  --ack-after-write      the default; accepted for scripts that still pass it
  --metrics <host:port>  serve Prometheus metrics on http://HOST:PORT/metrics (port 0: any
                         free one; the listening line gives the address); PORT alone is
                         127.0.0.1:PORT
  --quiet                print only the listening line

registration in etcd (the config centre clients discover the fleet from):
  --etcd <url>[,<url>...] register at these etcd members (http://host:port)
  --cluster <name>       the fleet to join: key /clogs/<cluster>/servers/<name> (default default)
  --name <name>          the name clients hash (default: the advertised host:port)
  --weight <n>           share of the keys, relative to the other servers (default 1)
  --advertise <host:port> where clients send (default: the bound address; required
                         with a wildcard --host such as 0.0.0.0)
  --lease-ttl <s>        a server that dies without stopping leaves after this long (default 5)
  -h, --help             this help
  -v, --version          the version

fault injection, for tests only:
  --fault-silent         answer no pings
  --fault-drop <0..1>    drop this fraction of LOG frames
  --fault-ack-delay <ms> send ACKs late
  --fault-write-delay <ms> wait this long before each file write (a slow disk)
  --fault-no-ack         write LOG frames but never ACK them (answer pings)

Prints "clogs-server listening on udp://HOST:PORT data-dir DIR" once ready (with --metrics,
followed by " metrics http://HOST:PORT/metrics").
SIGINT/SIGTERM: stop, write and fsync everything, exit 0. SIGUSR1: print stats.
Both are handled from the moment the process starts, before the listening line.
Exit codes: 0 ok, 64 bad usage, 66 key file unreadable, 71 cannot listen,
78 --name held by another live server.

examples:
  clogs-server --port 7070 --data-dir /var/log/clogs
  clogs-server --port 0 --key-file ./clogs.key
  clogs-server --port 7070 --metrics 127.0.0.1:9464
`;

/** `64M`, `256k`, `1G` or plain bytes. */
function parseBytes(name: string, text: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m)
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a size like 1048576, 512K, 64M or 1G`);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * scale;
}

/** A plain decimal integer: no sign, hex, exponent or spaces. */
function parseInteger(name: string, text: string): number {
  if (!/^\d{1,15}$/.test(text))
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a whole number`);
  return Number(text);
}

/** A plain decimal fraction such as 0.25. */
function parseFraction(name: string, text: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(text)) {
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a number like 0.25`);
  }
  return Number(text);
}

export interface ServerCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Where SIGINT/SIGTERM/SIGUSR1 come from (the process, or a test's emitter). */
  signals: NodeJS.EventEmitter;
  version: string;
}

/** Runs clogs-server until a signal stops it; resolves with the exit code. */
export async function main(argv: readonly string[], io: ServerCliIo): Promise<number> {
  // Signals are taken from the first moment, long before the listening line: a
  // supervisor signals on readiness, SIGUSR1 left to Node opens its inspector (anyone on
  // the machine could then run code in the server), and SIGTERM left to Node kills
  // without writing what is buffered.
  const signals = new SignalDesk(io.signals);
  try {
    return await serve(argv, io, signals);
  } finally {
    signals.close();
  }
}

/** Takes SIGINT/SIGTERM/SIGUSR1 from the start; remembers a stop asked for before anyone can act on it. */
class SignalDesk {
  stopAsked = false;
  private onStop: (() => void) | undefined;
  private onStats: (() => void) | undefined;
  private readonly stop = () => {
    this.stopAsked = true;
    this.onStop?.();
  };
  private readonly stats = () => this.onStats?.();

  constructor(private readonly source: NodeJS.EventEmitter) {
    source.on('SIGINT', this.stop);
    source.on('SIGTERM', this.stop);
    source.on('SIGUSR1', this.stats);
  }

  /** What a stop does once the server runs (called again for a second signal). */
  whenStopped(action: () => void): void {
    this.onStop = action;
  }

  whenStats(action: () => void): void {
    this.onStats = action;
  }

  close(): void {
    this.source.off('SIGINT', this.stop);
    this.source.off('SIGTERM', this.stop);
    this.source.off('SIGUSR1', this.stats);
  }
}

async function serve(argv: readonly string[], io: ServerCliIo, signals: SignalDesk): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n(try --help)\n`);
    return ExitCode.USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.OK;
  }
  if (values.version) {
    io.stdout.write(`${io.version}\n`);
    return ExitCode.OK;
  }
  let options: ServerOptions;
  let plan: RegistryPlan | undefined;
  let metricsAt: MetricsAddress | undefined;
  try {
    plan = planRegistry(values, values.host);
    metricsAt = values.metrics === undefined ? undefined : parseMetricsAddress(values.metrics);
    options = {
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
      maskPan: values['mask-pan'],
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
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
    return ExitCode.USAGE;
  }
  if (values['key-file'] !== undefined) {
    try {
      options.key = await readKeyFile(values['key-file']);
    } catch (err) {
      io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
      return ExitCode.NO_INPUT;
    }
  }
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer(options);
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
    const code = (err as ServerError).code;
    return code === 'ERR_SERVER_BAD_OPTION' ? ExitCode.USAGE : ExitCode.OS_ERROR;
  }
  const metrics =
    metricsAt === undefined
      ? undefined
      : await startServerMetrics(server, metricsAt).catch((err) => err as Error);
  if (metrics instanceof Error) {
    io.stderr.write(`clogs-server: ${metrics.message}\n`);
    await server.close();
    return ExitCode.OS_ERROR;
  }
  const quiet = values.quiet === true;
  const warn = (err: Error) => io.stderr.write(`clogs-server: ${err.message}\n`);
  if (!quiet) server.on('warning', warn);
  let registration: Registration | undefined;
  if (plan !== undefined && !signals.stopAsked) {
    registration = new Registration(registrationOptions(plan, server.address));
    if (!quiet) registration.on('warning', warn);
    try {
      await registration.start();
    } catch (err) {
      warn(err as Error);
      await server.close();
      await metrics?.close();
      return (err as ServerError).code === 'ERR_SERVER_NAME_TAKEN' ? ExitCode.NAME_TAKEN : ExitCode.OS_ERROR;
    }
  }
  signals.whenStats(() => io.stderr.write(`clogs-server stats ${JSON.stringify(server.stats())}\n`));
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        // A second signal while flushing: give up on the flush, saying what was left.
        if (!quiet)
          io.stderr.write(`clogs-server stopped, flush given up ${JSON.stringify(server.stats())}\n`);
        resolve(130);
        return;
      }
      stopping = true;
      // The key goes first: clients remap at once, while the server still reads what was sent.
      (registration?.close() ?? Promise.resolve())
        .then(() => server.close())
        .then(
          (stats) => {
            if (!quiet) io.stderr.write(`clogs-server stopped ${JSON.stringify(stats)}\n`);
            resolve(ExitCode.OK);
          },
          (err) => {
            io.stderr.write(`clogs-server: close failed: ${(err as Error).message}\n`);
            resolve(ExitCode.OS_ERROR);
          },
        );
    };
    signals.whenStopped(stop);
    // Asked to stop while starting: stop without announcing a server that is going away.
    if (signals.stopAsked) stop();
  });
  if (!signals.stopAsked) {
    const { host, port, family } = server.address;
    const shown = family === 'IPv6' ? `[${host}]` : host;
    const scrape = metrics === undefined ? '' : ` metrics ${metrics.url}`;
    io.stdout.write(`clogs-server listening on udp://${shown}:${port} data-dir ${server.dataDir}${scrape}\n`);
  }
  if (registration !== undefined && !quiet) {
    const say = (rev: string, again: boolean) =>
      io.stdout.write(
        `clogs-server registered${again ? ' again' : ''} ${registration.key} at etcd revision ${rev}\n`,
      );
    registration.on('registered', (e: RegisteredEvent) => say(e.revision, e.again));
    if (registration.revision !== undefined) say(registration.revision, false);
  }
  // The endpoint answers while the server flushes, then goes with it.
  return stopped.finally(() => metrics?.close());
}

function parse(argv: readonly string[]) {
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
      'key-file': { type: 'string' },
      'mask-pan': { type: 'boolean' },
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
