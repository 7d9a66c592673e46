import { parseArgs } from 'node:util';
import { type EtcdAccess, EtcdError } from '@clogs/etcd';
import { ServerError } from './errors.js';
import { readKeyFile as readV1KeyFile } from './key-file.js';
import { keyFileProblem, keygen, keyIdHex, readKeyFiles } from './keys/key-files.js';
import type { ServerOptions } from './options.js';
import { type RegisteredEvent, Registration } from './registry/registration.js';
import {
  loadRegistryAccess,
  planRegistry,
  type RegistryPlan,
  registrationOptions,
} from './registry/registry-flags.js';
import { createServer } from './server.js';

/** Exit codes, after sysexits.h, so scripts can tell failures apart. */
export const ExitCode = {
  OK: 0,
  /** Bad command line; a non-loopback --host without a key or --insecure. */
  USAGE: 64,
  /** A key file cannot be read; an `--etcd-*` file cannot be read or is not private. */
  NO_INPUT: 66,
  /** `--etcd` without the etcd3 package installed (an optional peer dependency). */
  UNAVAILABLE: 69,
  /** The socket cannot be bound or the data folder made. */
  OS_ERROR: 71,
  /** `keygen`: the file exists (it is never overwritten) or cannot be created. */
  CANT_CREATE: 73,
  /** A key file group or others can read, or a weak key (EX_CONFIG). */
  KEY_UNSAFE: 78,
  /** `--etcd`: another live server holds this `--name` (EX_CONFIG). */
  NAME_TAKEN: 78,
} as const;

const HELP = `usage: clogs-server [options]
       clogs-server keygen <file>

The clogs reference log server: answers pings, acknowledges LOG frames, and writes
one line per record to <data-dir>/<sys_id>/<file_name>.log.

mode:
  One process, one UDP port, one data folder; it runs until SIGINT/SIGTERM.
  Clients (@clogs/client, clogs-cli) name it with -s host:port, or find it in
  etcd when it registers there (--etcd).

options:
  --host <addr>          address to listen on, IPv4 or IPv6 (default 127.0.0.1)
  --port <n>             UDP port, 0 for any free one (default 7070)
  --data-dir <dir>       where log files go (default ./clogs-data)
  --flush-ms <ms>        write buffered lines at least this often (default 200)
  --roll-bytes <n>       roll a file before it passes this size, e.g. 64M (default 256M)
  --max-pending <n>      drop new frames while this much waits for the disk (default 64M)
  --recv-buffer <n>      UDP receive buffer to ask for (default 8M; Linux caps it at rmem_max)
  --max-open-files <n>   files kept open at once; idle ones are closed first (default 256)
  --max-total-bytes <n>  bytes under the data dir, rolled files included, e.g. 500G
                         (default 10G): the oldest rolled files are deleted, then
                         frames are refused
  --max-files <n>        files under the data dir (default 10000): the oldest rolled
                         files are deleted, then new file names are refused
  --allow-sys <list>     write only these sys_ids, e.g. PAY1,OPS (default: all)
  --roll-every <when>    also roll files each UTC hour or day: hour|day (default: by size)
  --file-mode <octal>    mode of new log files (default 0640)
  --dir-mode <octal>     mode of new folders (default 0750)
  --key-file <path>      seal frames with this key: only encrypted frames are taken,
                         replies are sealed too. Repeat it to hold old and new keys
                         while clients move (frames name theirs by key id). The file
                         must be readable by its owner only (chmod 600)
  --accept-v1            with a key: also take version 1 frames signed with the first
                         key file as version 1 clients read it (its bytes, less a
                         trailing newline): integrity only, records in clear; while
                         clients upgrade
  --allow-integrity-only with a key: also take frames sealed for integrity only
                         (suite 3: records in clear, not forgeable)
  --insecure             listen on a non-loopback address without a key (frames in
                         clear: anyone on the path can read and forge them)
  --mask-pan             mask card numbers after head_len (Luhn-valid, a card brand's
                         prefix and length, spaced or dashed too): keep first 6, last 4
  --attribution          write each line's source: address:port/encrypted|signed|plain
  --ack-early            ACK once lines are buffered, not once they are in the file:
                         a server killed then loses lines it ACKed (at-least-once
                         clients lose them), and clients' windows stop following
                         the disk. The default ACKs after the write.
  --ack-after-write      the default; accepted for scripts that still pass it
  --quiet                print only the listening line

registration in etcd (the config centre clients discover the fleet from):
  --etcd <url>[,<url>...] register at these etcd members (http://host:port, or
                         https://host:port for TLS); needs the etcd3 package
  --cluster <name>       the fleet to join: key /clogs/<cluster>/servers/<name> (default default)
  --name <name>          the name clients hash (default: the advertised host:port)
  --weight <n>           share of the keys, relative to the other servers (default 1)
  --advertise <host:port> where clients send (default: the bound address; required
                         with a wildcard --host such as 0.0.0.0)
  --lease-ttl <s>        a server that dies without stopping leaves after this long (default 5)
  --etcd-ca <file>       PEM CA that signed etcd's certificate (https members;
                         default: the system's CAs)
  --etcd-cert <file>     PEM client certificate, for etcd's --client-cert-auth
  --etcd-key <file>      its private key (refused if group or others may read it)
  --etcd-user <user>     etcd user, when etcd's authentication is enabled
  --etcd-password-file <file> that user's password (refused if group or others
                         may read it); or the environment's CLOGS_ETCD_PASSWORD
  -h, --help             this help
  -V, -v, --version      print "clogs-server <version>"

fault injection, for tests only:
  --fault-silent         answer no pings
  --fault-drop <0..1>    drop this fraction of LOG frames
  --fault-ack-delay <ms> send ACKs late
  --fault-write-delay <ms> wait this long before each file write (a slow disk)
  --fault-no-ack         write LOG frames but never ACK them (answer pings)

keygen <file>:
  write a new random key (64 hex digits, mode 0600; an existing file is never
  overwritten) and print its key id.

output:
  Prints "clogs-server listening on udp://HOST:PORT, frames encrypted (keys ID), data-dir DIR"
  (or "frames in clear: no key") once ready.

signals:
  SIGINT/SIGTERM  stop, write and fsync everything, exit 0
  SIGUSR1         print stats (a JSON line on stderr)
  SIGHUP          write what is buffered and reopen every file (after logrotate renamed them)
  All are handled from the moment the process starts, before the listening line.

exit codes:
  0   stopped by SIGINT/SIGTERM, everything written
  64  bad usage, or a non-loopback --host without a key (give --key-file, or --insecure)
  66  key file (or an --etcd-* file) unreadable, or an --etcd-* file not private
  69  --etcd without the etcd3 package (npm i etcd3)
  71  cannot listen, or the data dir is unusable (not a directory, not owned by this user)
  73  keygen's file exists
  78  key file readable by group or others, or a weak key; --name held by another live server (--etcd)
  130 a second SIGINT/SIGTERM gave up the flush

environment:
  CLOGS_ETCD_PASSWORD  --etcd-user's password, when no --etcd-password-file is given

files:
  <data-dir>/<sys_id>/<file_name>.log  one line per record (rolled at --roll-bytes to
                         <file_name>.<YYYYmmdd-HHMMSS>.<host>.<pid>.log)
  --key-file <path>      a key shared with the clients (mode 0600; clogs-server keygen)

examples:
  clogs-server --port 7070 --data-dir /var/log/clogs
  clogs-server keygen /etc/clogs/clogs.key
  clogs-server --host 0.0.0.0 --key-file /etc/clogs/clogs.key
  clogs-server --host 0.0.0.0 --key-file new.key --key-file old.key   # rotating
  clogs-server --data-dir /var/log/clogs --max-total-bytes 200G --allow-sys PAY1,OPS
  clogs-server --etcd https://etcd-1:2379 --etcd-ca ca.pem --etcd-cert server.pem \\
    --etcd-key server-key.pem --etcd-user clogs --etcd-password-file ./etcd.pass
`;

/** `64M`, `256k`, `1G`, `2T` or plain bytes. */
function parseBytes(name: string, text: string): number {
  const m = /^(\d{1,15})([kKmMgGtT]?)$/.exec(text);
  if (!m)
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a size like 1048576, 512K, 64M or 1G`);
  const unit = m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't';
  return Number(m[1]) * { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[unit];
}

/** A file mode in octal, such as 0640 or 640. */
function parseMode(name: string, text: string): number {
  if (!/^0?[0-7]{3}$/.test(text))
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be octal like 0640`);
  return Number.parseInt(text, 8);
}

/** `PAY1,OPS`: sys_ids, checked by the server's options. */
function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim());
}

function parseRollEvery(text: string): 'hour' | 'day' {
  if (text !== 'hour' && text !== 'day')
    throw new ServerError('ERR_SERVER_BAD_OPTION', '--roll-every must be hour or day');
  return text;
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
  /** Where SIGINT/SIGTERM/SIGUSR1/SIGHUP come from (the process, or a test's emitter). */
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

/**
 * Takes SIGINT/SIGTERM/SIGUSR1/SIGHUP from the start; remembers a stop asked for before
 * anyone can act on it. A SIGHUP before the server runs has no file to reopen.
 */
class SignalDesk {
  stopAsked = false;
  private onStop: (() => void) | undefined;
  private onStats: (() => void) | undefined;
  private onReopen: (() => void) | undefined;
  private readonly stop = () => {
    this.stopAsked = true;
    this.onStop?.();
  };
  private readonly stats = () => this.onStats?.();
  private readonly reopen = () => this.onReopen?.();

  constructor(private readonly source: NodeJS.EventEmitter) {
    source.on('SIGINT', this.stop);
    source.on('SIGTERM', this.stop);
    source.on('SIGUSR1', this.stats);
    source.on('SIGHUP', this.reopen);
  }

  whenReopen(action: () => void): void {
    this.onReopen = action;
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
    this.source.off('SIGHUP', this.reopen);
  }
}

/** `clogs-server keygen <file>`. */
async function keygenCommand(args: readonly string[], io: ServerCliIo): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    io.stderr.write('clogs-server: usage: clogs-server keygen <file>\n');
    return ExitCode.USAGE;
  }
  try {
    const key = await keygen(args[0]!);
    io.stdout.write(`clogs-server: wrote a new key to ${args[0]} (mode 0600), key id ${keyIdHex(key.id)}\n`);
    return ExitCode.OK;
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
    return ExitCode.CANT_CREATE;
  }
}

async function serve(argv: readonly string[], io: ServerCliIo, signals: SignalDesk): Promise<number> {
  if (argv[0] === 'keygen') return keygenCommand(argv.slice(1), io);
  let values: ReturnType<typeof parse>['values'];
  try {
    // -V as well as -v: what clogs-cli takes, so either works on both.
    values = parse(argv.map((a) => (a === '-V' ? '-v' : a))).values;
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n(try --help)\n`);
    return ExitCode.USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return ExitCode.OK;
  }
  if (values.version) {
    io.stdout.write(`clogs-server ${io.version}\n`);
    return ExitCode.OK;
  }
  let options: ServerOptions;
  let plan: RegistryPlan | undefined;
  try {
    plan = planRegistry(values, values.host, process.env);
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
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
    return ExitCode.USAGE;
  }
  let access: EtcdAccess | undefined;
  if (plan !== undefined) {
    try {
      access = loadRegistryAccess(plan);
    } catch (err) {
      if (!EtcdError.is(err)) throw err;
      io.stderr.write(`clogs-server: ${err.message}\n`);
      return err.code === 'ERR_ETCD_NOT_INSTALLED'
        ? ExitCode.UNAVAILABLE
        : err.code === 'ERR_ETCD_FILE'
          ? ExitCode.NO_INPUT
          : ExitCode.USAGE;
    }
  }
  if (values['key-file'] !== undefined) {
    try {
      options.keys = await readKeyFiles(values['key-file']);
      // Version 1 clients read a key file's bytes as they are: a keygen file's hex text is their key.
      if (values['accept-v1'] === true) options.v1Key = await readV1KeyFile(values['key-file'][0]!);
    } catch (err) {
      io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
      return keyFileProblem(err) === 'unreadable' ? ExitCode.NO_INPUT : ExitCode.KEY_UNSAFE;
    }
  }
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer(options);
  } catch (err) {
    io.stderr.write(`clogs-server: ${(err as Error).message}\n`);
    const code = (err as ServerError).code;
    return code === 'ERR_SERVER_BAD_OPTION' || code === 'ERR_SERVER_INSECURE'
      ? ExitCode.USAGE
      : ExitCode.OS_ERROR;
  }
  const quiet = values.quiet === true;
  const warn = (err: Error) => io.stderr.write(`clogs-server: ${err.message}\n`);
  if (!quiet) server.on('warning', warn);
  let registration: Registration | undefined;
  if (plan !== undefined && access !== undefined && !signals.stopAsked) {
    try {
      registration = new Registration(registrationOptions(plan, access, server.address));
    } catch (err) {
      warn(err as Error);
      await server.close();
      return ExitCode.USAGE;
    }
    if (!quiet) registration.on('warning', warn);
    try {
      await registration.start();
    } catch (err) {
      warn(err as Error);
      await server.close();
      return (err as ServerError).code === 'ERR_SERVER_NAME_TAKEN' ? ExitCode.NAME_TAKEN : ExitCode.OS_ERROR;
    }
  }
  signals.whenStats(() => io.stderr.write(`clogs-server stats ${JSON.stringify(server.stats())}\n`));
  signals.whenReopen(() => {
    server.reopen().then(
      () => {
        if (!quiet) io.stderr.write('clogs-server reopened its files (SIGHUP)\n');
      },
      (err) => warn(err as Error),
    );
  });
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
    io.stdout.write(
      `clogs-server listening on udp://${shown}:${port}, ${server.security}, data-dir ${server.dataDir}\n`,
    );
  }
  if (registration !== undefined && !quiet) {
    const say = (rev: string, again: boolean) =>
      io.stdout.write(
        `clogs-server registered${again ? ' again' : ''} ${registration.key} at etcd revision ${rev}\n`,
      );
    registration.on('registered', (e: RegisteredEvent) => say(e.revision, e.again));
    if (registration.revision !== undefined) say(registration.revision, false);
  }
  return stopped;
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
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      'fault-silent': { type: 'boolean' },
      'fault-drop': { type: 'string' },
      'fault-ack-delay': { type: 'string' },
    },
  });
}
