import { MAX_DATAGRAM_BYTES } from '@clogs/protocol';
import { CliError, mostSpecificMessage } from '../errors.js';
import { allDownNotice, watchAllDown } from '../fail-fast.js';
import { LineSplitter } from '../line/line-splitter.js';
import { type LineFormat, LineParser, type ParsedLine } from '../line/parse-line.js';
import type { Notices } from '../notices.js';
import { refusalOf } from '../refusals.js';
import type { Session } from '../session.js';
import type { StopSignals } from '../stop-signals.js';
import { countRefused, emptySummary, type RunSummary, settle } from '../summary.js';
import { closeInputs, type Input } from './inputs.js';
import { ProgressLine, type TerminalOut } from './progress.js';

export interface PipeOptions {
  format: LineFormat;
  /** `--keep-empty`: empty messages are sent (see {@link LineParser}). */
  keepEmpty: boolean;
  /** With --ack the summary also says how many records were acknowledged. */
  ack: boolean;
  /** How long the final flush may take, ms. */
  timeoutMs: number;
  /** Live progress on stderr (when stderr is a TTY and not --quiet). */
  progress: boolean;
  /**
   * `--wait-for-servers`: with every server down, wait (reading pauses, the flush takes
   * up to `timeoutMs`); without, the run ends at that verdict (see {@link watchAllDown}).
   */
  waitForServers: boolean;
}

export interface PipeIo {
  /** Read in order: stdin, or the files of `--input`. */
  inputs: Input[];
  stderr: NodeJS.WritableStream;
  /** The first stop stops the reading (the queued records still get the deadline); a second gives up the flush. */
  stop: StopSignals;
  /** Notices for the person watching (stderr, unless --quiet; above the progress line while it shows). */
  notices: Notices;
}

/** Refused lines said one by one on stderr; past these the summary counts the rest. */
const REFUSALS_SHOWN = 10;

/** What a line too long for any datagram is refused with (the splitter never holds it). */
const LINE_TOO_LONG = new CliError(
  'ERR_CLI_BAD_LINE',
  `line longer than ${MAX_DATAGRAM_BYTES} bytes: no datagram holds it`,
  { reason: 'too-long' },
);

/** How often a wait for room checks whether records are still being delivered. */
const STALL_CHECK_MS = 250;

/**
 * Pipe mode: every line of the inputs (stdin, or the `--input` files one after the
 * other; each one's last line ends with it) becomes one record. Reading pauses while the
 * client's queue is past its high-water mark (log() returned false) and resumes on
 * 'drain', so nothing is dropped however fast the input comes. That wait gives up
 * only when no record at all was delivered for `timeoutMs` (every server down): the
 * input is then left unread and the run ends undelivered. At EOF (or on SIGINT/SIGTERM)
 * the client is closed within `timeoutMs`: with --ack that waits for every ACK; a
 * second signal gives up the wait. Unless `waitForServers`, the verdict that every
 * server is down ends the run at once: reading stops, and what is queued is undelivered.
 */
export async function runPipe(session: Session, o: PipeOptions, io: PipeIo): Promise<RunSummary> {
  const summary: RunSummary & { read: number } = { ...emptySummary(), read: 0 };
  const refuse = (reason: string, n = 1) => countRefused(summary, reason, n);
  const splitter = new LineSplitter(MAX_DATAGRAM_BYTES);
  const parser = new LineParser(o.format, o.keepEmpty);
  // One options object for every log() call: the client reads it before returning.
  const fields: { sysId: string | undefined; msgType: string | undefined } = {
    sysId: undefined,
    msgType: undefined,
  };
  let tooLongCounted = 0;
  let shown = 0;
  /** The current line refused with an error: said for the first few, counted always. */
  const refuseLine = (err: unknown) => {
    refuse(refusalOf(err));
    if (shown === REFUSALS_SHOWN) return;
    io.notices.say(`clogs-cli: line ${summary.read} refused: ${mostSpecificMessage(err)}`);
    if (++shown === REFUSALS_SHOWN)
      io.notices.say(
        `clogs-cli: only the first ${REFUSALS_SHOWN} refused lines are shown; the summary counts them all`,
      );
  };
  /** The lines the splitter skipped as too long since the last call: they come right before the current line. */
  const countTooLong = () => {
    while (tooLongCounted < splitter.tooLong) {
      tooLongCounted++;
      summary.read++;
      refuseLine(LINE_TOO_LONG);
    }
  };
  /** Reading is over (a signal, or no progress): lines already read are still logged. */
  let stopped = false;
  /** Reading is over and the final flush has begun. */
  let flushing = false;
  let reading: Input['stream'] | undefined;
  let wakeWaiter: (() => void) | undefined;
  const stopReading = () => {
    stopped = true;
    wakeWaiter?.();
    // Ends the for-await below at its next chunk; files not reached are closed.
    reading?.destroy?.();
    closeInputs(io.inputs);
  };
  const onStop = (signal: NodeJS.Signals, count: number) => {
    if (count === 1) {
      summary.interrupted = signal;
      stopReading();
      io.notices.say(
        `clogs-cli: ${signal}: stopped reading; delivering what was read (up to ${o.timeoutMs} ms; another signal gives up)`,
      );
    } else {
      session.giveUp();
    }
  };
  io.stop.listen(onStop);
  const unwatch = o.waitForServers
    ? () => {}
    : watchAllDown(session, (why) => {
        summary.allDown = why;
        io.notices.say(allDownNotice(why));
        // While reading, the lines already read are still logged (and closed on at once,
        // below); once the flush has begun, it is cut short.
        if (flushing) session.giveUp();
        else stopReading();
      });
  const progress = o.progress
    ? new ProgressLine(io.stderr as TerminalOut, () => progressText(summary, session))
    : undefined;
  if (progress !== undefined) {
    progress.start();
    io.notices.printAbove((line) => progress.above(line));
  }

  /**
   * Waits for 'drain'; gives up (and stops the reading) after `timeoutMs` with no record
   * delivered. Its timer holds the process while it waits: a paused stdin does not.
   */
  const room = () =>
    new Promise<void>((resolve) => {
      const delivered = () => {
        const st = session.stats();
        return st.sent + st.acked;
      };
      let last = delivered();
      let since = performance.now();
      const done = () => {
        session.off('drain', done);
        clearInterval(watch);
        wakeWaiter = undefined;
        resolve();
      };
      const watch = setInterval(() => {
        const now = delivered();
        if (now !== last) {
          last = now;
          since = performance.now();
        } else if (performance.now() - since >= o.timeoutMs) {
          summary.stalledMs = o.timeoutMs;
          stopReading();
        }
      }, STALL_CHECK_MS);
      wakeWaiter = done;
      session.on('drain', done);
    });

  /** Sends each line `next` moves the splitter to. */
  const send = async (next: () => boolean) => {
    while (next()) {
      if (splitter.tooLong !== tooLongCounted) countTooLong();
      summary.read++;
      let parsed: ParsedLine;
      try {
        if (parser.skips(splitter.buf, splitter.start, splitter.end)) {
          summary.blank++;
          continue;
        }
        parsed = parser.parse(splitter.buf, splitter.start, splitter.end);
      } catch (err) {
        refuseLine(err);
        continue;
      }
      fields.sysId = parsed.sysId;
      fields.msgType = parsed.msgType;
      let more: boolean;
      try {
        more = session.log(parsed.msg, fields);
      } catch (err) {
        refuseLine(err);
        continue;
      }
      if (!more && !stopped) await room();
    }
    countTooLong();
  };
  const nextLine = () => splitter.next();
  const lastLine = () => splitter.finish();

  for (const input of io.inputs) {
    if (stopped) break;
    reading = input.stream;
    try {
      for await (const chunk of input.stream as AsyncIterable<Buffer>) {
        splitter.feed(chunk);
        await send(nextLine);
        if (stopped) break;
      }
    } catch (err) {
      // A destroyed input (a signal, a stall) ends the loop with an abort; anything else is real.
      if (!stopped) throw err;
    }
    if (!stopped) await send(lastLine);
  }
  reading = undefined;

  // Stalled: the whole --timeout already passed with nothing delivered; no second wait.
  // Every server down: nothing can be delivered; no wait either.
  flushing = true;
  const wait = summary.stalledMs === undefined && summary.allDown === undefined;
  const { undelivered } = await session.close(wait ? o.timeoutMs : 0);
  unwatch();
  if (progress !== undefined) {
    io.notices.printAbove(undefined);
    progress.stop();
  }
  io.stop.unlisten(onStop);
  settle(summary, session.stats(), undelivered);
  return summary;
}

function progressText(s: RunSummary, session: Session): string {
  const st = session.stats();
  const sent = Math.min(st.sent, st.accepted);
  return `${s.read} read, ${sent} sent, ${st.acked} acked, ${s.refused} refused`;
}
