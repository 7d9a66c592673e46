import { type FrameKey, formatErrorMessage, ProtocolError, readKeyFile } from '@clogs/protocol';
import type { MetricsEndpoint } from 'clogs-server';
import { palettes } from './colours.js';
import { type CommandLine, parseCommandLine } from './command-line.js';
import { runCompletion } from './completion.js';
import { type CliConfig, readConfig } from './config.js';
import { CliError } from './errors.js';
import { ExitCode, runExitCode, startupExitCode } from './exit-codes.js';
import { type Checkpoint, CheckpointFile } from './follow/checkpoint-file.js';
import { runFollow } from './follow/follow-mode.js';
import { runKeygen } from './key/keygen.js';
import { serveCliMetrics } from './metrics.js';
import { Notices } from './notices.js';
import { runOneShot } from './one-shot.js';
import { closeInputs, type Input, openInputs } from './pipe/inputs.js';
import { runPipe } from './pipe/pipe-mode.js';
import { runShell } from './repl/shell-mode.js';
import { safeText } from './safe-text.js';
import { Session } from './session.js';
import { resolveSettings, type Settings } from './settings.js';
import { StopSignals } from './stop-signals.js';
import { formatSummary, type RunSummary } from './summary.js';

export type { Flags } from './command-line.js';

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

/** {@link main} with the stop signals already taken (bin.ts takes them before it loads this). */
export async function run(argv: readonly string[], io: CliIo, stop: StopSignals): Promise<number> {
  // A command, not a record: "keygen" is no sys_id (they are 1..4 characters).
  if (argv[0] === 'keygen') return await runKeygen(argv.slice(1), io);
  // `completion` is no record: a sys_id has at most 4 bytes.
  if (argv[0] === 'completion') return runCompletion(argv.slice(1), io);
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, io);
  } catch (err) {
    // Commander has said what was wrong, or printed the help.
    const code = startupExitCode(err, false);
    if (code === undefined) throw err;
    return code;
  }
  const colors = palettes(line.flags.color, io);
  const notices = new Notices(io.stderr, line.flags.quiet, colors.err, line.words.length === 0);
  let settings: Settings;
  let inputs: Input[];
  let session: Session;
  const following = line.flags.follow.length > 0;
  let state: { file: CheckpointFile; checkpoints: Checkpoint[] | undefined } | undefined;
  let metrics: MetricsEndpoint | undefined;
  try {
    if (line.words.length > 0 && line.flags.input.length > 0) {
      throw new CliError('ERR_CLI_USAGE', 'a record in the arguments, or --input: not both');
    }
    if (following && (line.words.length > 0 || line.flags.input.length > 0)) {
      throw new CliError('ERR_CLI_USAGE', '--follow reads its files: no record in the arguments, no --input');
    }
    const config = await loadConfig(line.flags.config);
    settings = resolveSettings(line, config, io.env);
    if (following && settings.client.spool !== undefined) {
      throw new CliError(
        'ERR_CLI_USAGE',
        '--follow keeps its place in the files (they are its buffer): --spool is for pipe mode and one-shot sends',
      );
    }
    // The shell swaps clients (`.ack`): two clients cannot hold one spool.
    if (
      settings.client.spool !== undefined &&
      line.words.length === 0 &&
      io.stdin.isTTY === true &&
      settings.input.length === 0
    ) {
      throw new CliError(
        'ERR_CLI_USAGE',
        '--spool is for pipe mode (lines from stdin or --input) and one-shot sends, not the shell',
      );
    }
    const key = await loadKey(settings.keyFile);
    if (following) state = await openState(settings.stateFile);
    inputs = following
      ? []
      : await openInputs(settings.input.length === 0 ? ['-'] : settings.input, io.stdin);
    session = await Session.open({ settings, config, key, notices, signals: io.signals }).catch((err) => {
      closeInputs(inputs);
      throw err;
    });
    if (settings.metrics !== undefined) {
      const s = session;
      metrics = await serveCliMetrics(settings.metrics, () => s.stats(), s.embeddedServer).catch(
        async (err) => {
          closeInputs(inputs);
          await s.close();
          throw err;
        },
      );
      notices.say(`clogs-cli: metrics on ${metrics.url}`);
    }
  } catch (err) {
    const code = startupExitCode(err, line.flags.config !== undefined);
    if (code === undefined) throw err;
    // Only a refusal exit 78 puts on the file names it: a spool or --metrics error is not the file's.
    const where = code !== ExitCode.CONFIG || err instanceof CliError ? '' : ` (config ${line.flags.config})`;
    const { detail, code: errCode } = err as { detail?: string; code?: string };
    const text =
      detail !== undefined && errCode !== undefined
        ? formatErrorMessage(`${detail}${where}`, errCode)
        : `${(err as Error).message}${where}`;
    io.stderr.write(`${colors.err.red('clogs-cli:')} ${safeText(text)}\n`);
    return code;
  }
  const mode = following
    ? 'follow'
    : line.words.length > 0
      ? 'one-shot'
      : io.stdin.isTTY === true && settings.input.length === 0
        ? 'shell'
        : 'pipe';
  let summary: RunSummary;
  try {
    if (mode === 'one-shot') {
      const o = {
        format: settings.format,
        keepEmpty: settings.keepEmpty,
        timeoutMs: settings.timeout,
        waitForServers: settings.waitForServers,
      };
      summary = await runOneShot(session, line.words, o, { stop, notice: notices.say });
    } else if (mode === 'follow') {
      const o = {
        patterns: settings.follow,
        from: settings.from,
        state: state!.file,
        checkpoints: state!.checkpoints,
        partialTimeoutMs: settings.partialTimeout,
        format: settings.format,
        keepEmpty: settings.keepEmpty,
        ack: settings.ack,
        timeoutMs: settings.timeout,
      };
      summary = await runFollow(session, o, { stop, notices });
    } else if (mode === 'shell') {
      summary = await runShell(session, settings, { ...io, stop, notices, colors: colors.out });
    } else {
      const o = {
        format: settings.format,
        keepEmpty: settings.keepEmpty,
        ack: settings.ack,
        timeoutMs: settings.timeout,
        progress: !settings.quiet && io.stderr.isTTY === true,
        waitForServers: settings.waitForServers,
      };
      summary = await runPipe(session, o, { inputs, stderr: io.stderr, stop, notices });
    }
  } finally {
    await session.close();
    await metrics?.close();
  }
  const code = runExitCode(summary, session.ack);
  if (summary.undelivered > 0)
    notices.explainUndelivered(session.stats().servers, session.givenUp ? undefined : settings.timeout);
  // One-shot says nothing when its record went (as logger(1)): a script's exit code says it.
  const delivered = mode === 'one-shot' && code === 0 && summary.blank === 0;
  if (!settings.quiet && !delivered) {
    const text = formatSummary(summary, session.ack);
    io.stderr.write(`${code === 0 ? text : colors.err.red(text)}\n`);
  }
  return code;
}

/**
 * The `--follow` state file, read, then written back at once: a state file that cannot
 * be written stops the run before a line is read (exit 73), never after lines went.
 */
async function openState(
  path: string,
): Promise<{ file: CheckpointFile; checkpoints: Checkpoint[] | undefined }> {
  const file = new CheckpointFile(path);
  const checkpoints = await file.load();
  try {
    await file.save(checkpoints ?? [], true);
  } catch (err) {
    await file.discardTemp();
    throw new CliError(
      'ERR_CLI_CANT_CREATE',
      `state file ${path} cannot be written: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return { file, checkpoints };
}

async function loadConfig(path: string | undefined): Promise<CliConfig | undefined> {
  return path === undefined ? undefined : await readConfig(path);
}

/**
 * Read before anything starts, as ssh reads a private key: a key file that cannot be
 * read, that group or others may read, or whose key is weak stops the run (exit 66),
 * saying why with the protocol's code.
 */
async function loadKey(path: string | undefined): Promise<FrameKey | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readKeyFile(path);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    throw new CliError('ERR_CLI_NO_INPUT', `${err.detail} (${err.code})`, { cause: err });
  }
}
