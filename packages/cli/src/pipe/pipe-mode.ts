import { once } from 'node:events';
import type { ClogsClient } from '@clogs/client';
import { MAX_DATAGRAM_BYTES } from '@clogs/protocol';
import type { CliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { LineSplitter } from '../line/line-splitter.js';
import { type LineFormat, parseLine } from '../line/parse-line.js';

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
  /** SIGINT/SIGTERM stop the reading; the queued records still get the deadline. */
  signals: NodeJS.EventEmitter;
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
}

/**
 * Pipe mode: every line of stdin becomes one record. Reading pauses while the
 * client's queue is past its high-water mark (log() returned false) and resumes on
 * 'drain', so nothing is dropped however fast the input comes. At EOF (or on
 * SIGINT/SIGTERM) the client is closed within `timeoutMs`: with --ack that waits for
 * every ACK.
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
  };
  const refuse = (reason: string, n = 1) => {
    summary.refused += n;
    summary.reasons[reason] = (summary.reasons[reason] ?? 0) + n;
  };
  const tooLong = (n: number) => {
    if (n === 0) return;
    summary.read += n;
    refuse('too-long', n);
  };
  const splitter = new LineSplitter(MAX_DATAGRAM_BYTES);
  const stop = (signal: NodeJS.Signals) => {
    summary.interrupted ??= signal;
    // Ends the for-await below at its next chunk: what was read is still sent.
    (io.stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  io.signals.on('SIGINT', onInt);
  io.signals.on('SIGTERM', onTerm);
  const progress = o.progress ? setInterval(() => showProgress(io.stderr, summary, client), 250) : undefined;

  const send = async (lines: Buffer[]) => {
    for (const line of lines) {
      summary.read++;
      let parsed: ReturnType<typeof parseLine>;
      try {
        parsed = parseLine(line, o.format);
      } catch (err) {
        refuse((err as CliError).message);
        continue;
      }
      let more: boolean;
      try {
        more = client.log(parsed.msg, { sysId: parsed.sysId, msgType: parsed.msgType });
      } catch (err) {
        refuse((err as { reason?: string }).reason ?? (err as Error).message);
        continue;
      }
      if (!more) await once(client, 'drain');
    }
  };

  try {
    for await (const chunk of io.stdin as AsyncIterable<Buffer>) {
      const split = splitter.push(chunk);
      tooLong(split.tooLong);
      await send(split.lines);
    }
  } catch (err) {
    // A destroyed stdin (a signal) ends the loop with an abort; anything else is real.
    if (summary.interrupted === undefined) throw err;
  }
  const last = splitter.end();
  tooLong(last.tooLong);
  await send(last.lines);

  const { undelivered } = await client.close({ timeoutMs: o.timeoutMs });
  clearInterval(progress);
  io.signals.off('SIGINT', onInt);
  io.signals.off('SIGTERM', onTerm);
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
  if (s.undelivered > 0 || delivered < accepted) return ExitCode.UNDELIVERED;
  if (s.interrupted !== undefined) return 128 + (s.interrupted === 'SIGINT' ? 2 : 15);
  if (s.refused > 0) return ExitCode.REFUSED;
  return ExitCode.OK;
}
