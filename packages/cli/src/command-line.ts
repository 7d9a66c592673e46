import { describeLevels, levelName, type ProtocolError, parseLevel } from '@clogs/protocol';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { LineFormat } from './line/parse-line.js';

/** The flags, parsed. */
export interface Flags {
  server: string[];
  /** etcd members (`--etcd`, commas between them): the fleet is read from etcd, not `-s`. */
  etcd?: string;
  cluster?: string;
  config?: string;
  sys: string;
  type: string;
  file: string;
  level: string;
  ack: boolean;
  keyFile?: string;
  cipher?: 'chacha20-poly1305' | 'aes-256-gcm' | 'integrity-only';
  maxDatagram?: number;
  format: LineFormat;
  input: string[];
  keepEmpty: boolean;
  embedded: boolean;
  dataDir: string;
  timeout: number;
  color: boolean;
  quiet: boolean;
  /** `--follow`: files and patterns to follow (`tail -F`), one record per line. */
  follow: string[];
  /** `--follow`: where the checkpoints are kept. */
  stateFile: string;
  /** `--follow`: where a file without a checkpoint is read from at start. */
  from: 'start' | 'end';
  /** `--follow`: how long a last line without newline waits for one, ms. */
  partialTimeout: number;
  /** What is masked in records and the shell's history; undefined: the client's default (card numbers). */
  redact?: 'pan' | 'none';
}

/** The flags, and whether each was given on the command line (or is its default). */
export interface CommandLine {
  flags: Flags;
  /** The arguments after the options: one record to send (one-shot mode), or none. */
  words: string[];
  given(flag: keyof Flags): boolean;
}

const EXAMPLES = `
Examples:
  One record, then exit (one-shot; the exit code says whether it went):
    clogs-cli -s 10.0.0.5:7070 --ack PAY1 TXT disk full on /var || alert
    clogs-cli -s 10.0.0.5:7070 --format raw --sys OPS --file deploys "deploy 42 done"
  Card numbers are masked before they leave (the default; not in argv: pipe them in):
    echo 'PAY1 TXT pan=4111111111111111' | clogs-cli -s 10.0.0.5:7070 --redact pan
  The shell (on a terminal, no arguments; type .help):
    clogs-cli                                # on an embedded server writing to ./clogs-data
    clogs-cli -s 10.0.0.5:7070 -s '10.0.0.6:7070:2 log-b'
    clogs-cli --etcd http://etcd-1:2379,http://etcd-2:2379 --cluster payments
  Pipes and files, one record per line:
    app | clogs-cli -s 10.0.0.5:7070 --format raw --sys PAY1 --file app
    app | clogs-cli --etcd http://etcd-1:2379 --cluster payments --format raw --sys PAY1
    clogs-cli -c fleet.json --ack --timeout 60000 < trades.log
    clogs-cli -s 10.0.0.5:7070 -i yesterday.log -i today.log
  Following files as tail -F does, until SIGINT/SIGTERM (restarted, it resumes where it was):
    clogs-cli -s 10.0.0.5:7070 --ack --format raw --sys PAY1 --follow '/var/log/pay/app.log*'
    clogs-cli -s 10.0.0.5:7070 --follow a.log --follow b.log --from start --state-file /var/lib/clogs/follow.json

Keys: "clogs-cli keygen clogs.key" writes a new random key to a file of mode 0600 (never over one);
give it to the servers and to --key-file: frames are then encrypted and authenticated.

Lines (--format clogs): "<sys_id> <msg_type> <message>", e.g. "PAY1 TXT order 42 accepted".
Blank lines are skipped and counted; refused lines are counted by reason (too-long, bad-sys-id, ...).
Exit codes: 0 every line delivered (--ack: acknowledged), 64 bad usage, 65 some lines refused,
66 key file refused or input unreadable, 70 internal error, 73 keygen cannot create its file
(--follow: the state file cannot be written), 74 --follow could not save its state file while running,
75 records undelivered (a server down, cannot-write or version among the reasons), 78 bad config,
130/143 stopped by SIGINT/SIGTERM (everything read delivered).
`;

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
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

function buildProgram(io: CommandLineIo): Command {
  return new Command('clogs-cli')
    .usage('[options] [sys_id msg_type message...]')
    .description(
      'Send log records to a fleet of clogs servers. With arguments: they are one line, sent as one ' +
        'record, then it exits (--format raw: the arguments are the message). Without: the lines of ' +
        'stdin or of --input files, one record each; on a terminal, an interactive shell.',
    )
    .argument('[line...]')
    .version(io.version, '-V, --version')
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
    .option('-c, --config <file>', 'JSON config: servers or discovery, defaults, client options (see README)')
    .option('--sys <id>', 'sys_id of records (raw format; clogs lines carry their own)', 'CLI')
    .option('--type <type>', 'msg_type of records (raw format)', 'TXT')
    .option('--file <name>', 'file_name: the log file the records go to', 'cli')
    .option('--level <level>', `the records' level: ${describeLevels()}`, levelFlag, 'info')
    .option('--ack', 'at-least-once: wait for every record to be acknowledged', false)
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
      'frame size budget (default 1432; 8192 suits loopback or a jumbo-frame LAN)',
      positiveInt,
    )
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
    .option('--embedded', 'start an in-process clogs-server on 127.0.0.1 (the default with no server)', false)
    .option('--data-dir <dir>', "the embedded server's folder", './clogs-data')
    .option('--timeout <ms>', 'how long the final flush may take', positiveInt, 30_000)
    .addOption(
      new Option(
        '--redact <what>',
        "mask before a record leaves clogs-cli, and in the shell's history: 'pan' card numbers " +
          "(first 6 and last 4 digits kept; the default), 'none' nothing",
      ).choices(['pan', 'none']),
    )
    .option('--no-color', 'no colour (also: NO_COLOR, or output not a TTY)')
    .option('-q, --quiet', 'no notices, no summary: the exit code says it all', false)
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
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
  return {
    flags: program.opts<Flags>(),
    words: program.args,
    given: (flag) => program.getOptionValueSource(flag) === 'cli',
  };
}
