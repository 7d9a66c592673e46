import { mostSpecificMessage } from './errors.js';
import { allDownNotice, watchAllDown } from './fail-fast.js';
import { type LineFormat, LineParser } from './line/parse-line.js';
import { refusalOf } from './refusals.js';
import type { Session } from './session.js';
import type { StopListener, StopSignals } from './stop-signals.js';
import { countRefused, emptySummary, type RunSummary, settle } from './summary.js';

export interface OneShotOptions {
  format: LineFormat;
  keepEmpty: boolean;
  /** How long the flush (with --ack, the wait for the ACK) may take, ms. */
  timeoutMs: number;
  /**
   * `--wait-for-servers`: wait for a server up to `timeoutMs`; without, the run ends at
   * the verdict that every server is down (see {@link watchAllDown}).
   */
  waitForServers: boolean;
}

/**
 * One-shot mode, `clogs-cli [options] PAY1 TXT disk full`: the arguments, joined by
 * spaces, are one line read as `--format` says (so in `raw` format they are the
 * message), sent as one record; the client is then closed within `timeoutMs`. It is
 * counted as pipe mode counts a line, so the exit code is pipe mode's. A signal stops
 * nothing more than the wait (a second gives it up); so does the verdict that every
 * server is down, unless `waitForServers`.
 */
export async function runOneShot(
  session: Session,
  words: readonly string[],
  o: OneShotOptions,
  io: { stop: StopSignals; notice: (line: string) => void },
): Promise<RunSummary> {
  const summary: RunSummary = { ...emptySummary(), read: 1 };
  const onStop: StopListener = (signal, count) => {
    if (count > 1) return session.giveUp();
    summary.interrupted = signal;
    io.notice(
      `clogs-cli: ${signal}: delivering the record (up to ${o.timeoutMs} ms; another signal gives up)`,
    );
  };
  io.stop.listen(onStop);
  const unwatch = o.waitForServers
    ? () => {}
    : watchAllDown(session, (why) => {
        summary.allDown = why;
        io.notice(allDownNotice(why));
        session.giveUp();
      });
  // Not split at newlines: an argument with one in it is still one record.
  const line = Buffer.from(words.join(' '), 'utf8');
  const parser = new LineParser(o.format, o.keepEmpty);
  if (parser.skips(line, 0, line.length)) {
    summary.blank++;
  } else {
    try {
      const p = parser.parse(line, 0, line.length);
      session.log(p.msg, { sysId: p.sysId, msgType: p.msgType });
    } catch (err) {
      const reason = refusalOf(err);
      countRefused(summary, reason);
      const form =
        reason === 'no-msg-type' || reason === 'empty-message'
          ? ' (the arguments are "sys_id msg_type message...", or with --format raw the message)'
          : '';
      io.notice(`clogs-cli: refused: ${mostSpecificMessage(err, form)}`);
    }
  }
  const { undelivered } = await session.close(o.timeoutMs);
  unwatch();
  io.stop.unlisten(onStop);
  settle(summary, session.stats(), undelivered);
  return summary;
}
