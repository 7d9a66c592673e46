import { resolveRedact } from '@clogs/client';
import { Redactor } from '@clogs/protocol';
import type { Colors } from '../colours.js';
import type { Notices } from '../notices.js';
import type { Session } from '../session.js';
import type { Settings } from '../settings.js';
import type { StopListener, StopSignals } from '../stop-signals.js';
import { emptySummary, type RunSummary, settle } from '../summary.js';
import type { ShellState } from './commands.js';
import { type ReplIo, runRepl } from './repl.js';

export interface ShellModeIo extends ReplIo {
  /** `~/.clogs_history`, or undefined for none. */
  historyFile: string | undefined;
  stop: StopSignals;
  notices: Notices;
  /** stdout's palette: the prompt and the shell's answers. */
  colors: Colors;
}

/**
 * The shell on a session: notices go above its prompt while it runs. SIGTERM (or a
 * SIGINT from outside: at the prompt Ctrl-C is a key) leaves it as `.exit` does; a
 * second one gives up the final flush. Resolves once the session is closed.
 */
export async function runShell(session: Session, settings: Settings, io: ShellModeIo): Promise<RunSummary> {
  const state: Omit<ShellState, 'print' | 'exit'> = {
    session,
    sys: settings.sys,
    type: settings.type,
    file: settings.file,
    level: settings.level,
    format: settings.format,
    keepEmpty: settings.keepEmpty,
    summary: emptySummary(),
  };
  const leave: StopListener = (_signal, count) => {
    if (count === 1) (state as Partial<ShellState>).exit?.();
    else session.giveUp();
  };
  // The history file keeps what the record carries: a card number typed is masked there too.
  const redact = resolveRedact(settings.client.redact);
  const redactor = redact === undefined ? undefined : new Redactor(redact);
  try {
    await runRepl(state, io, {
      historyFile: io.historyFile,
      redact: redactor === undefined ? undefined : (line) => redactor.redact(line),
      historySize: 1000,
      ackTimeoutMs: settings.timeout,
      colors: io.colors,
      onReady: (print) => {
        io.notices.printAbove(print);
        io.stop.listen(leave);
      },
    });
  } finally {
    io.notices.printAbove(undefined);
  }
  const { undelivered } = await session.close();
  io.stop.unlisten(leave);
  const summary = state.summary;
  summary.interrupted = io.stop.first;
  settle(summary, session.stats(), undelivered);
  return summary;
}
