import { connectEtcd, type EtcdAccess, EtcdError, explainEtcdError } from '@clogs/etcd';
import { parseFlags, type ServerFlags, serverOptions } from './cli-flags.js';
import { HELP } from './cli-help.js';
import type { ServerError } from './errors.js';
import { readKeyFile as readV1KeyFile } from './key-file.js';
import { keyFileProblem, keygen, keyIdHex, readKeyFiles } from './keys/key-files.js';
import { type MetricsAddress, parseMetricsAddress } from './metrics/metrics-endpoint.js';
import { startServerMetrics } from './metrics/server-endpoint.js';
import type { ServerOptions } from './options.js';
import { type RegisteredEvent, Registration } from './registry/registration.js';
import {
  loadRegistryAccess,
  planRegistry,
  type RegistryPlan,
  registrationOptions,
} from './registry/registry-flags.js';
import { createServer } from './server.js';
import { followServerConfig } from './settings/config-cli.js';
import type { ConfigWatch } from './settings/config-watch.js';
import { SignalDesk } from './signal-desk.js';

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
  let values: ServerFlags;
  try {
    // -V as well as -v: what clogs-cli takes, so either works on both.
    values = parseFlags(argv.map((a) => (a === '-V' ? '-v' : a))).values;
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
  let metricsAt: MetricsAddress | undefined;
  try {
    plan = planRegistry(values, values.host, process.env);
    metricsAt = values.metrics === undefined ? undefined : parseMetricsAddress(values.metrics);
    options = serverOptions(values);
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
  let configWatch: ConfigWatch | undefined;
  if (plan !== undefined && access !== undefined && !signals.stopAsked) {
    // The settings apply before the server joins the fleet: clients never meet the old ones.
    const etcdAccess = access;
    configWatch = await followServerConfig({
      connect: () => connectEtcd(etcdAccess),
      explain: (err) => explainEtcdError(err, etcdAccess),
      cluster: plan.cluster,
      server,
      values,
      stderr: io.stderr,
      quiet,
    });
  }
  let registration: Registration | undefined;
  if (plan !== undefined && access !== undefined && !signals.stopAsked) {
    try {
      registration = new Registration(registrationOptions(plan, access, server.address));
    } catch (err) {
      warn(err as Error);
      await configWatch?.close();
      await server.close();
      await metrics?.close();
      return ExitCode.USAGE;
    }
    if (!quiet) registration.on('warning', warn);
    try {
      await registration.start();
    } catch (err) {
      warn(err as Error);
      await configWatch?.close();
      await server.close();
      await metrics?.close();
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
      Promise.all([registration?.close(), configWatch?.close()])
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
    io.stdout.write(
      `clogs-server listening on udp://${shown}:${port}, ${server.security}, data-dir ${server.dataDir}${scrape}\n`,
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
  // The endpoint answers while the server flushes, then goes with it.
  return stopped.finally(() => metrics?.close());
}
