import {
  DEFAULT_LEVEL,
  describeLevels,
  levelName,
  MAX_DATAGRAM_BYTES,
  type ProtocolError,
  parseLevel,
} from '@clogs/protocol';
import { type MetricsAddress, parseMetricsAddress, type ServerError } from 'clogs-server';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CommandLine, Flags } from './flags.js';
import { afterOptions, DESCRIPTION } from './help-text.js';

export type { CommandLine, Flags } from './flags.js';

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}

/** The least frame budget the client takes (`maxDatagramBytes`). */
const MIN_FRAME_BYTES = 128;

/**
 * `--max-datagram`, checked here so that a bad value is bad usage naming the flag, even
 * beside a config file (the client's own refusal would be taken as the file's).
 */
function frameBytes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < MIN_FRAME_BYTES || n > MAX_DATAGRAM_BYTES) {
    throw new InvalidArgumentError(`expected an integer ${MIN_FRAME_BYTES}..${MAX_DATAGRAM_BYTES}`);
  }
  return n;
}

/** Where commander writes help, the version and its errors. */
export interface CommandLineIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  version: string;
}

/** A level as the level table takes it, kept as its name. */
function levelFlag(value: string): string {
  try {
    return levelName(parseLevel(value));
  } catch (err) {
    throw new InvalidArgumentError((err as ProtocolError).detail);
  }
}

function metricsFlag(value: string): MetricsAddress {
  try {
    return parseMetricsAddress(value);
  } catch (err) {
    throw new InvalidArgumentError((err as ServerError).detail);
  }
}

function buildProgram(io: CommandLineIo): Command {
  return new Command('clogs-cli')
    .usage(
      '[options] [sys_id msg_type message...]\n       clogs-cli completion bash|zsh\n       clogs-cli keygen <file>',
    )
    .description(DESCRIPTION)
    .argument('[line...]')
    .version(`clogs-cli ${io.version}`, '-V, --version', 'print "clogs-cli <version>" (also -v)')
    .addOption(new Option('-v').hideHelp())
    .helpOption('-h, --help', 'this help, a man page: modes, options, exit codes, files')
    .optionsGroup('Fleet:')
    .option(
      '-s, --server <spec>',
      "a server, 'host:port[:weight][ name]' (repeatable)",
      (v, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--etcd <urls>',
      "the fleet from etcd, 'http://host:port' members joined by commas: the servers registered " +
        'there (clogs-server --etcd), followed live; not with -s',
    )
    .option('--cluster <name>', "with --etcd: the servers' cluster (default 'default')")
    .option('--etcd-ca <file>', "with https:// --etcd: PEM CA of etcd's certificate (default: the system's)")
    .option('--etcd-cert <file>', "PEM client certificate, for etcd's --client-cert-auth (with --etcd-key)")
    .option('--etcd-key <file>', 'its private key (refused if group or others may read it)')
    .option('--etcd-user <user>', "etcd user, when etcd's authentication is enabled")
    .option(
      '--etcd-password-file <file>',
      "that user's password (refused if group or others may read it; or CLOGS_ETCD_PASSWORD)",
    )
    .option('-c, --config <file>', 'JSON config: servers or discovery, defaults, client options (see README)')
    .optionsGroup('Records:')
    .option('--sys <id>', 'sys_id of records (raw format; clogs lines carry their own)', 'CLI')
    .option('--type <type>', 'msg_type of records (raw format)', 'TXT')
    .option('--file <name>', 'file_name: the log file the records go to (<sys_id>/<name>.log)', 'cli')
    .option('--level <level>', `the records' level: ${describeLevels()}`, levelFlag, levelName(DEFAULT_LEVEL))
    .addOption(
      new Option(
        '--redact <what>',
        "mask before a record leaves clogs-cli, and in the shell's history: 'pan' card numbers " +
          "(first 6 and last 4 digits kept; the default), 'none' nothing",
      ).choices(['pan', 'none']),
    )
    .optionsGroup('Delivery:')
    .option('--ack', 'at-least-once: wait for every record to be acknowledged', false)
    .option(
      '--spool <dir>',
      'write every record to a disk spool in DIR until delivered; a run on the same DIR first delivers what the last one left',
    )
    .option(
      '--key-file <path>',
      'the shared key (a file of mode 0600, made by `clogs-cli keygen <file>`): frames are encrypted and authenticated',
    )
    .addOption(
      new Option(
        '--cipher <name>',
        'with --key-file: how frames are sealed (default chacha20-poly1305)',
      ).choices(['chacha20-poly1305', 'aes-256-gcm', 'integrity-only']),
    )
    .option(
      '--max-datagram <bytes>',
      'frame size budget (default 8192 when every server is on loopback, the embedded one too; else 1432)',
      frameBytes,
    )
    .optionsGroup('Input:')
    .addOption(
      new Option('--format <format>', 'how a line becomes a record')
        .choices(['clogs', 'raw'])
        .default('clogs'),
    )
    .option(
      '-i, --input <file>',
      "read lines from this file, not stdin ('-': stdin); repeatable, read in order",
      (v, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--keep-empty',
      'send empty messages: a blank line (raw format), "sys_id msg_type" alone (clogs); skipped/refused without',
      false,
    )
    .optionsGroup('Following files:')
    .option(
      '--follow <path>',
      "follow this file as tail -F does (rotation, truncation, new files); a quoted '*'/'?' pattern " +
        'in the last segment is re-read, so new and rotated files are found; repeatable',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--state-file <path>',
      "with --follow: where each file's checkpoint is kept (written atomically)",
      './.clogs-follow.json',
    )
    .addOption(
      new Option('--from <where>', 'with --follow: where a file with no checkpoint is read from at start')
        .choices(['start', 'end'])
        .default('end'),
    )
    .option(
      '--partial-timeout <ms>',
      'with --follow: how long a last line without newline waits for one before it is sent',
      positiveInt,
      1000,
    )
    .optionsGroup('Embedded server:')
    .option('--embedded', 'start an in-process clogs-server on 127.0.0.1 (the default with no server)', false)
    .option('--data-dir <dir>', "the embedded server's folder", './clogs-data')
    .optionsGroup('Deadlines:')
    .option('--timeout <ms>', 'how long the final flush may take', positiveInt, 30_000)
    .option(
      '--wait-for-servers',
      'with every server down (nothing listens, wrong key, no ACKs), wait up to --timeout; without, exit 75 at that verdict',
      false,
    )
    .optionsGroup('Output:')
    .option('--no-color', 'no colour (also: NO_COLOR, or output not a TTY)')
    .option(
      '--metrics <host:port>',
      'serve Prometheus metrics on http://HOST:PORT/metrics while it runs (pipes, the shell), ' +
        'e.g. 127.0.0.1:9465; port 0: any free one, said in a notice',
      metricsFlag,
    )
    .option('-q, --quiet', 'no notices, no summary: the exit code says it all', false)
    .addHelpText('after', afterOptions())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Usage errors read like every other message of the program: "clogs-cli: ..."
      outputError: (s, write) => write(`clogs-cli: ${s.replace(/^error: /, '').trimEnd()} (try --help)\n`),
    });
}

/**
 * Parses `argv` (no node, no script name). Commander prints help, the version and
 * usage errors itself.
 * @throws {CommanderError} for `--help` and `--version` (exit code 0) and bad usage.
 */
export function parseCommandLine(argv: readonly string[], io: CommandLineIo): CommandLine {
  const program = buildProgram(io);
  program.parse([...argv], { from: 'user' });
  const { v, ...flags } = program.opts<Flags & { v?: boolean }>();
  if (v === true) {
    // -v as well as -V: what clogs-server takes, so either works on both.
    io.stdout.write(`clogs-cli ${io.version}\n`);
    throw new CommanderError(0, 'commander.version', `clogs-cli ${io.version}`);
  }
  return {
    flags,
    words: program.args,
    given: (flag) => program.getOptionValueSource(flag) === 'cli',
  };
}

/** Every flag of clogs-cli, long and short forms, as --help lists them (for completion). */
export function flagNames(): { flags: string[]; choices: Record<string, readonly string[]> } {
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, version: '' });
  const flags: string[] = [];
  const choices: Record<string, readonly string[]> = {};
  for (const o of program.options) {
    if (o.hidden) continue;
    if (o.short !== undefined) flags.push(o.short);
    if (o.long !== undefined) flags.push(o.long);
    if (o.long !== undefined && o.argChoices !== undefined) choices[o.long] = o.argChoices;
  }
  flags.push('-h', '--help');
  return { flags, choices };
}
