import type { ClientError, ClogsClient } from '@clogs/client';
import { MAX_DATAGRAM_BYTES } from '@clogs/protocol';
import { type CliError, mostSpecificMessage } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { LineSplitter } from '../line/line-splitter.js';
import { type LineFormat, LineParser, type ParsedLine } from '../line/parse-line.js';
import { type StopSignals, signalExitCode } from '../stop-signals.js';

export interface PipeOptions {
  format: LineFormat;
  /** With --ack the summary also says how many records were acknowledged. */
  ack: boolean;
  /** How long the final flush may take, ms. */
  timeoutMs: number;
  /** Live progress on stderr (when stderr is a TTY and not --quiet). */
  progress: boolean;
}

export interface PipeIo {
  stdin: NodeJS.ReadableStream;
  stderr: NodeJS.WritableStream;
  /** The first stop stops the reading (the queued records still get the deadline); a second gives up the flush. */
  stop: StopSignals;
  /** A notice for the person watching (stderr, unless --quiet). */
  notice: (line: string) => void;
}

/** What a pipe run did, as the summary line says it. */
export interface PipeSummary {
  read: number;
  sent: number;
  acked: number;
  refused: number;
  /** Refusals by reason: `too-long`, `empty message`, a protocol code, ... */
  reasons: Record<string, number>;
  undelivered: number;
  interrupted: NodeJS.Signals | undefined;
  /** Reading gave up: the queue stayed full this long (ms) with no record delivered. */
  stalledMs: number | undefined;
}

/** Refused lines said one by one on stderr; past these the summary counts the rest. */
const REFUSALS_SHOWN = 10;

/** How often a wait for room checks whether records are still being delivered. */
const STALL_CHECK_MS = 250;

/**
 * Pipe mode: every line of stdin becomes one record. Reading pauses while the
 * client's queue is past its high-water mark (log() returned false) and resumes on
 * 'drain', so nothing is dropped however fast the input comes. That wait gives up
 * only when no record at all was delivered for `timeoutMs` (every server down): the
 * input is then left unread and the run ends undelivered. At EOF (or on SIGINT/SIGTERM)
 * the client is closed within `timeoutMs`: with --ack that waits for every ACK; a
 * second signal gives up the wait.
 */
export async function runPipe(client: ClogsClient, o: PipeOptions, io: PipeIo): Promise<PipeSummary> {
  const summary: PipeSummary = {
    read: 0,
    sent: 0,
    acked: 0,
    refused: 0,
    reasons: {},
    undelivered: 0,
    interrupted: undefined,
    stalledMs: undefined,
  };
  const refuse = (reason: string, n = 1) => {
    summary.refused += n;
    summary.reasons[reason] = (summary.reasons[reason] ?? 0) + n;
  };
  const splitter = new LineSplitter(MAX_DATAGRAM_BYTES);
  const parser = new LineParser(o.format);
  // One options object for every log() call: the client reads it before returning.
  const fields: { sysId: string | undefined; msgType: string | undefined } = {
    sysId: undefined,
    msgType: undefined,
  };
  let tooLongCounted = 0;
  const countTooLong = () => {
    const n = splitter.tooLong - tooLongCounted;
    if (n === 0) return;
    tooLongCounted += n;
    summary.read += n;
    refuse('too-long', n);
  };
  let shown = 0;
  /** The current line refused with an error: said for the first few, counted always. */
  const refuseLine = (reason: string, err: unknown) => {
    refuse(reason);
    if (shown === REFUSALS_SHOWN) return;
    // Too-long lines before this one in the chunk are counted in `read` only later.
    const line = summary.read + splitter.tooLong - tooLongCounted;
    io.notice(`clogs-cli: line ${line} refused: ${mostSpecificMessage(err)}`);
    if (++shown === REFUSALS_SHOWN)
      io.notice(
        `clogs-cli: only the first ${REFUSALS_SHOWN} refused lines are shown; the summary counts them all`,
      );
  };
  /** Reading is over (a signal, or no progress): lines already read are still logged. */
  let stopped = false;
  let wakeWaiter: (() => void) | undefined;
  const stopReading = () => {
    stopped = true;
    wakeWaiter?.();
    // Ends the for-await below at its next chunk.
    (io.stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  };
  const onStop = (signal: NodeJS.Signals, count: number) => {
    if (count === 1) {
      summary.interrupted = signal;
      stopReading();
      io.notice(
        `clogs-cli: ${signal}: stopped reading; delivering what was read (up to ${o.timeoutMs} ms; another signal gives up)`,
      );
    } else {
      void client.close({ timeoutMs: 0 });
    }
  };
  io.stop.on('stop', onStop);
  if (io.stop.first !== undefined) onStop(io.stop.first, 1);
  const progress = o.progress ? setInterval(() => showProgress(io.stderr, summary, client), 250) : undefined;

  /**
   * Waits for 'drain'; gives up (and stops the reading) after `timeoutMs` with no record
   * delivered. Its timer holds the process while it waits: a paused stdin does not.
   */
  const room = () =>
    new Promise<void>((resolve) => {
      const delivered = () => {
        const st = client.stats();
        return st.sent + st.acked;
      };
      let last = delivered();
      let since = performance.now();
      const done = () => {
        client.off('drain', done);
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
      client.on('drain', done);
    });

  /** Sends each line `next` moves the splitter to. */
  const send = async (next: () => boolean) => {
    while (next()) {
      summary.read++;
      let parsed: ParsedLine;
      try {
        parsed = parser.parse(splitter.buf, splitter.start, splitter.end);
      } catch (err) {
        refuseLine((err as CliError).detail, err);
        continue;
      }
      fields.sysId = parsed.sysId;
      fields.msgType = parsed.msgType;
      let more: boolean;
      try {
        more = client.log(parsed.msg, fields);
      } catch (err) {
        const e = err as Partial<ClientError>;
        refuseLine(e.reason ?? e.detail ?? String(err), err);
        continue;
      }
      if (!more && !stopped) await room();
    }
    countTooLong();
  };
  const nextLine = () => splitter.next();
  const lastLine = () => splitter.finish();

  try {
    if (!stopped) {
      for await (const chunk of io.stdin as AsyncIterable<Buffer>) {
        splitter.feed(chunk);
        await send(nextLine);
        if (stopped) break;
      }
    }
  } catch (err) {
    // A destroyed stdin (a signal, a stall) ends the loop with an abort; anything else is real.
    if (!stopped) throw err;
  }
  if (!stopped) await send(lastLine);

  // Stalled: the whole --timeout already passed with nothing delivered; no second wait.
  const { undelivered } = await client.close({
    timeoutMs: summary.stalledMs === undefined ? o.timeoutMs : 0,
  });
  clearInterval(progress);
  io.stop.off('stop', onStop);
  const stats = client.stats();
  summary.undelivered =
    undelivered + Object.values(stats.dropped).reduce((a, b) => a + b, 0) - stats.dropped.closed;
  // The client counts a re-routed record each time it goes out; lines count once.
  summary.sent = stats.accepted - summary.undelivered;
  summary.acked = stats.acked;
  if (o.progress) io.stderr.write('\r\x1b[K');
  return summary;
}

function showProgress(out: NodeJS.WritableStream, s: PipeSummary, client: ClogsClient): void {
  const st = client.stats();
  const sent = Math.min(st.sent, st.accepted);
  out.write(`\r\x1b[K${s.read} read, ${sent} sent, ${st.acked} acked, ${s.refused} refused`);
}

/** The one-line summary for stderr. */
export function formatSummary(s: PipeSummary, ack: boolean): string {
  const parts = [`${s.read} lines read`, `${s.sent} sent`];
  if (ack) parts.push(`${s.acked} acked`);
  let refused = `${s.refused} refused`;
  const reasons = Object.entries(s.reasons);
  if (reasons.length > 0) refused += ` (${reasons.map(([r, n]) => `${n} ${r}`).join(', ')})`;
  parts.push(refused);
  if (s.undelivered > 0) parts.push(`${s.undelivered} undelivered`);
  if (s.stalledMs !== undefined) parts.push(`gave up reading: no record delivered for ${s.stalledMs} ms`);
  if (s.interrupted !== undefined) parts.push(`stopped by ${s.interrupted}`);
  return `clogs-cli: ${parts.join(', ')}`;
}

/**
 * The exit status a script sees: undelivered records first (75), then a stop by a
 * signal (128 + its number, as a shell reports it), then refused lines (65), else 0.
 */
export function pipeExitCode(s: PipeSummary, ack: boolean): number {
  const accepted = s.read - s.refused;
  const delivered = ack ? s.acked : s.sent;
  if (s.undelivered > 0 || delivered < accepted || s.stalledMs !== undefined) return ExitCode.UNDELIVERED;
  if (s.interrupted !== undefined) return signalExitCode(s.interrupted);
  if (s.refused > 0) return ExitCode.REFUSED;
  return ExitCode.OK;
}
