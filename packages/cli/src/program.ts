import {
  ClientError,
  type ClientOptions,
  type ClogsClient,
  createClient,
  type DownEvent,
  type ServerInput,
} from '@clogs/client';
import { readKeyFile } from 'clogs-server';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createColors } from 'picocolors';
import { type CliConfig, readConfig } from './config.js';
import { drainEmbedded, type Embedded, startEmbedded } from './embedded.js';
import { ExitCode } from './exit-codes.js';
import { type LineFormat, toLevel } from './line/parse-line.js';
import { pipeExitCode, runPipe } from './pipe/pipe-mode.js';
import type { ShellState } from './repl/commands.js';
import { runRepl } from './repl/repl.js';
import { StopSignals, signalExitCode } from './stop-signals.js';
import { emptySummary, formatSummary, settle } from './summary.js';

/** Where the program reads, writes and hears signals; injected so tests can drive it. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** SIGINT, SIGTERM, SIGHUP come from here (the process, or a test's emitter). */
  signals: NodeJS.EventEmitter;
  version: string;
  /** The shell's history file (`~/.clogs_history`), or undefined for none. */
  historyFile: string | undefined;
}

/** The flags, parsed. */
export interface Flags {
  server: string[];
  config?: string;
  sys: string;
  type: string;
  file: string;
  level: string;
  ack: boolean;
  keyFile?: string;
  maxDatagram?: number;
  format: LineFormat;
  embedded: boolean;
  dataDir: string;
  timeout: number;
  color: boolean;
  quiet: boolean;
}

const EXAMPLES = `
Examples:
  clogs-cli                                  shell on an embedded server writing to ./clogs-data
  clogs-cli -s 10.0.0.5:7070 -s '10.0.0.6:7070:2 log-b'
  app | clogs-cli -s 10.0.0.5:7070 --format raw --sys PAY1 --file app
  clogs-cli -c fleet.json --ack --timeout 60000 < trades.log

Input lines (--format clogs): "<sys_id> <msg_type> <message>", e.g. "PAY1 TXT order 42 accepted".
Exit codes: 0 every line delivered (--ack: acknowledged), 64 bad usage, 65 some lines refused,
66 key file unreadable, 70 internal error, 75 records undelivered, 78 bad config,
130/143 stopped by SIGINT/SIGTERM (everything read delivered).
`;

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

function buildProgram(io: CliIo): Command {
  return new Command('clogs-cli')
    .description(
      'Send log records to a fleet of clogs servers: an interactive shell on a TTY, a pipe otherwise.',
    )
    .version(io.version, '-V, --version')
    .option(
      '-s, --server <spec>',
      "a server, 'host:port[:weight][ name]' (repeatable)",
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('-c, --config <file>', 'JSON config: servers, defaults, client options (see README)')
    .option('--sys <id>', 'sys_id of records (raw format; clogs lines carry their own)', 'CLI')
    .option('--type <type>', 'msg_type of records (raw format)', 'TXT')
    .option('--file <name>', 'file_name: the log file the records go to', 'cli')
    .option('--level <level>', 'debug|info|notice|warn|error|crit|fatal, or 0..6', 'info')
    .option('--ack', 'at-least-once: wait for every record to be acknowledged', false)
    .option('--key-file <path>', 'HMAC key: frames carry an AUTH trailer')
    .option('--max-datagram <bytes>', 'frame size budget (default 1432; 8192 on loopback)', positiveInt)
    .addOption(
      new Option('--format <format>', 'how a line becomes a record')
        .choices(['clogs', 'raw'])
        .default('clogs'),
    )
    .option('--embedded', 'start an in-process clogs-server on 127.0.0.1 (the default with no server)', false)
    .option('--data-dir <dir>', "the embedded server's folder", './clogs-data')
    .option('--timeout <ms>', 'how long the final flush may take', positiveInt, 30_000)
    .option('--no-color', 'no colour (also: NO_COLOR, or output not a TTY)')
    .option('-q, --quiet', 'no notices, no summary: the exit code says it all', false)
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
}

/** Client options from the (resolved) flags, the config file's client options and the server list. */
export function clientOptions(
  flags: Flags,
  config: CliConfig | undefined,
  servers: ServerInput[],
  key: Buffer | undefined,
): ClientOptions {
  return {
    ...config?.client,
    servers,
    defaults: { sysId: flags.sys, msgType: flags.type, fileName: flags.file, level: toLevel(flags.level) },
    ...(flags.maxDatagram === undefined ? {} : { maxDatagramBytes: flags.maxDatagram }),
    ...(flags.ack ? { delivery: 'at-least-once' as const } : {}),
    ...(key === undefined ? {} : { key }),
  };
}

/**
 * Runs clogs-cli with `argv` (no node, no script name); resolves with the exit code.
 * Never throws for bad input: usage, config and line problems are exit codes.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Before anything else: a stop that comes while starting is remembered, not lost to
  // Node's default (which ends the process with no summary).
  const stop = new StopSignals(io.signals);
  try {
    return await run(argv, io, stop);
  } finally {
    stop.close();
  }
}

async function run(argv: readonly string[], io: CliIo, stop: StopSignals): Promise<number> {
  const program = buildProgram(io);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    throw err;
  }
  const flags = program.opts<Flags>();
  const color = flags.color && io.stderr.isTTY === true && !noColor(io.env);
  const c = createColors(color);
  // Notices go to stderr, or, while the shell runs, above its prompt.
  let above: ((line: string) => void) | undefined;
  const say = (s: string) => {
    if (flags.quiet) return;
    if (above === undefined) io.stderr.write(`${s}\n`);
    else above(s);
  };
  const fail = (code: number, message: string) => {
    io.stderr.write(`${c.red('clogs-cli:')} ${message}\n`);
    return code;
  };

  let config: CliConfig | undefined;
  if (flags.config !== undefined) {
    try {
      config = await readConfig(flags.config);
    } catch (err) {
      return fail(ExitCode.CONFIG, (err as Error).message);
    }
  }
  // The record fields: a flag given on the command line wins over the config file's
  // defaults, which win over the flags' own defaults.
  const fromFile = config?.defaults ?? {};
  const field = (flag: 'sys' | 'type' | 'file' | 'level', value: string | number | undefined) => {
    if (value !== undefined && program.getOptionValueSource(flag) !== 'cli') flags[flag] = String(value);
  };
  field('sys', fromFile.sysId);
  field('type', fromFile.msgType);
  field('file', fromFile.fileName);
  field('level', fromFile.level);
  // Read before anything starts: a key that cannot be read is the user's input missing.
  let key: Buffer | undefined;
  if (flags.keyFile !== undefined) {
    try {
      key = await readKeyFile(flags.keyFile);
    } catch (err) {
      const why = (err as Error).cause instanceof Error ? `: ${((err as Error).cause as Error).message}` : '';
      return fail(ExitCode.NO_INPUT, `${(err as Error).message.replace(/ \[ERR_[A-Z_]+\]$/, '')}${why}`);
    }
  }
  let embedded: Embedded | undefined;
  if (flags.embedded || (flags.server.length === 0 && (config?.servers ?? []).length === 0)) {
    embedded = await startEmbedded(flags.dataDir);
    say(
      `clogs-cli: embedded clogs-server on udp://127.0.0.1:${embedded.server.address.port}, writing to ${embedded.dataDir}`,
    );
  }
  const where = flags.config === undefined ? '' : ` (config ${flags.config})`;
  // A dead server fails every send to it until it is taken out: say each error once
  // a second, with how many like it were not repeated.
  let lastError = { message: '', at: 0, repeats: 0 };
  const onError = (err: Error) => {
    const now = Date.now();
    if (err.message === lastError.message && now - lastError.at < 1000) {
      lastError.repeats++;
      return;
    }
    const more = lastError.repeats > 0 ? ` (and ${lastError.repeats} more like the last)` : '';
    lastError = { message: err.message, at: now, repeats: 0 };
    say(`${c.yellow('clogs-cli:')} ${err.message}${more}`);
  };
  const watch = (client: ClogsClient) => {
    client.on('warning', onError);
    client.on('down', ({ server, reason, message }: DownEvent) =>
      say(`${c.yellow('clogs-cli:')} server ${server} down (${reason}): ${message}`),
    );
    client.on('up', ({ server }) => say(`clogs-cli: server ${server} up`));
    return client;
  };
  const servers = fleet(flags, embedded, config);
  const makeClient = async (ack: boolean) =>
    watch(createClient(clientOptions({ ...flags, ack }, config, servers, key)));
  let client: ClogsClient;
  try {
    client = await makeClient(flags.ack);
  } catch (err) {
    await embedded?.server.close();
    if (err instanceof ClientError) {
      const code =
        flags.config !== undefined && err instanceof ClientError ? ExitCode.CONFIG : ExitCode.USAGE;
      return fail(code, `${(err as Error).message}${where}`);
    }
    throw err;
  }
  const onHup = () => void reload(flags, client, embedded, say);
  io.signals.on('SIGHUP', onHup);
  try {
    if (io.stdin.isTTY === true) {
      const state = {
        client,
        sys: flags.sys,
        type: flags.type,
        file: flags.file,
        level: flags.level,
        format: flags.format,
        ack: flags.ack,
        refused: 0,
        reload: () => reload(flags, client, embedded, say),
        async setAck(on: boolean) {
          const next = await makeClient(on);
          await client.close({ timeoutMs: flags.timeout });
          client = next;
          state.client = next;
          state.ack = on;
        },
      };
      // SIGTERM (or a SIGINT from outside: at the prompt Ctrl-C is a key) leaves the
      // shell as .exit does; a second one gives up the final flush.
      const leave = (_signal: NodeJS.Signals, count: number) => {
        if (count === 1) (state as Partial<ShellState>).exit?.();
        else void client.close({ timeoutMs: 0 });
      };
      stop.on('stop', leave);
      await runRepl(state, io, {
        historyFile: io.historyFile,
        historySize: 1000,
        colors: createColors(flags.color && io.stdout.isTTY === true && !noColor(io.env)),
        onReady: (print) => {
          above = print;
          if (stop.first !== undefined) leave(stop.first, 1);
        },
      });
      above = undefined;
      const { undelivered } = await client.close({ timeoutMs: flags.timeout });
      stop.off('stop', leave);
      const summary = emptySummary();
      summary.refused = state.refused;
      summary.interrupted = stop.first;
      settle(summary, client.stats(), undelivered);
      say(formatSummary(summary, state.ack));
      if (summary.undelivered > 0) return ExitCode.UNDELIVERED;
      return stop.first === undefined ? ExitCode.OK : signalExitCode(stop.first);
    }
    const summary = await runPipe(
      client,
      {
        format: flags.format,
        ack: flags.ack,
        timeoutMs: flags.timeout,
        progress: !flags.quiet && io.stderr.isTTY === true,
      },
      { stdin: io.stdin, stderr: io.stderr, stop, notice: say },
    );
    const code = pipeExitCode(summary, flags.ack);
    if (!flags.quiet)
      io.stderr.write(
        `${code === 0 ? formatSummary(summary, flags.ack) : c.red(formatSummary(summary, flags.ack))}\n`,
      );
    return code;
  } finally {
    io.signals.off('SIGHUP', onHup);
    await client.close({ timeoutMs: flags.timeout });
    if (embedded !== undefined) {
      const sent = client.stats().servers.find((s) => s.name === 'embedded')?.framesSent ?? 0;
      await drainEmbedded(embedded, sent, flags.timeout);
      await embedded.server.close();
    }
  }
}

/** The servers: the embedded one first, then those of -s, then the config file's. */
function fleet(flags: Flags, embedded: Embedded | undefined, config: CliConfig | undefined): ServerInput[] {
  return [...(embedded === undefined ? [] : [embedded.spec]), ...flags.server, ...(config?.servers ?? [])];
}

const noColor = (env: NodeJS.ProcessEnv) => env.NO_COLOR !== undefined && env.NO_COLOR !== '';

/** SIGHUP (and the shell's .reload): re-reads the config; the continuum is rebuilt. */
async function reload(
  flags: Flags,
  client: ClogsClient,
  embedded: Embedded | undefined,
  say: (s: string) => void,
) {
  if (flags.config === undefined) return say('clogs-cli: nothing to reload (no --config)');
  try {
    const servers = fleet(flags, embedded, await readConfig(flags.config));
    client.setServers(servers);
    say(`clogs-cli: reloaded ${flags.config}: ${servers.length} servers`);
  } catch (err) {
    say(`clogs-cli: reload failed, servers unchanged: ${(err as Error).message}`);
  }
}
