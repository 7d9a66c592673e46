import { ClientError } from '@clogs/client';
import { ServerError } from 'clogs-server';
import { CommanderError } from 'commander';
import { CliError } from './errors.js';
import type { RunSummary } from './summary.js';

/** What clogs-cli's exit status means to a script (sysexits.h numbers where one fits). */
export const ExitCode = {
  /** Every line delivered (with --ack: acknowledged; without: handed to the network). */
  OK: 0,
  /** Bad flags or arguments. */
  USAGE: 64,
  /** Some lines were refused (malformed); the others were delivered. */
  REFUSED: 65,
  /**
   * An input file (the key file, an --input file, an --etcd-* file) cannot be read, the
   * key file is refused (weak, readable by others), or a private key or password file may
   * be read by others.
   */
  NO_INPUT: 66,
  /** Something broke inside clogs-cli itself. */
  SOFTWARE: 70,
  /**
   * `keygen`: the key file cannot be created (it exists, or its folder is not writable);
   * `--follow`: the state file cannot be written at start; `--spool`: the spool folder
   * cannot be made, written or locked (another run uses it); `--data-dir`: the embedded
   * server's folder cannot be made or is not a folder of this user's.
   */
  CANT_CREATE: 73,
  /** `--follow`: the state file could not be saved while running (the run stops there). */
  IO_ERROR: 74,
  /** `--metrics`: the address cannot be bound. */
  OS_ERROR: 71,
  /**
   * Records were still undelivered when the deadline (--timeout) passed, or when every
   * server was down for a reason the client gave (unless --wait-for-servers).
   */
  UNDELIVERED: 75,
  /** The config file is unreadable or invalid. */
  CONFIG: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit status a shell reports for a process a signal stopped: 128 + its number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (signal === 'SIGINT' ? 2 : 15);
}

/**
 * The exit status of a run that started: undelivered records first (75), then a stop by
 * a signal (128 + its number), then refused lines (65), else 0. The shell's refusals
 * (no `read` count) were answered at its prompt, one by one: they do not fail the run.
 */
export function runExitCode(s: RunSummary, ack: boolean): number {
  if (s.follow?.saveFailed !== undefined) return ExitCode.IO_ERROR;
  if (s.undelivered > 0 || s.stalledMs !== undefined || s.allDown !== undefined) return ExitCode.UNDELIVERED;
  if (s.read !== undefined && (ack ? s.acked : s.sent) < s.read - s.refused - s.blank) {
    return ExitCode.UNDELIVERED;
  }
  if (s.interrupted !== undefined) return signalExitCode(s.interrupted);
  if (s.read !== undefined && s.refused > 0) return ExitCode.REFUSED;
  return ExitCode.OK;
}

/**
 * The exit status for what stopped a run before it started, or undefined for an error
 * that is a bug (the caller rethrows it: exit 70). `--help` and `--version` are 0.
 */
export function startupExitCode(err: unknown, configGiven: boolean): number | undefined {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  if (err instanceof CliError) {
    if (err.code === 'ERR_CLI_BAD_CONFIG') return ExitCode.CONFIG;
    if (err.code === 'ERR_CLI_NO_INPUT') return ExitCode.NO_INPUT;
    if (err.code === 'ERR_CLI_CANT_CREATE') return ExitCode.CANT_CREATE;
    return ExitCode.USAGE;
  }
  // A file of discovery's (an etcd key or password file) cannot be read or is not private.
  if (err instanceof ClientError && (err.cause as { code?: unknown } | undefined)?.code === 'ERR_ETCD_FILE') {
    return ExitCode.NO_INPUT;
  }
  if (err instanceof ClientError && err.code === 'ERR_CLIENT_SPOOL') return ExitCode.CANT_CREATE;
  // The embedded server's --data-dir cannot be made or used: the user's folder, as --spool's.
  if (err instanceof ServerError && err.code === 'ERR_SERVER_DATA_DIR') return ExitCode.CANT_CREATE;
  // `--metrics` on an address that cannot be bound: as clogs-server's own 71.
  if (err instanceof ServerError && err.code === 'ERR_SERVER_LISTEN') return ExitCode.OS_ERROR;
  // The client refuses its options: they came from the config file when there is one.
  if (err instanceof ClientError) return configGiven ? ExitCode.CONFIG : ExitCode.USAGE;
  return undefined;
}
