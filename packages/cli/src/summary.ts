import type { ClientStats } from '@clogs/client';
import { safeText } from './safe-text.js';

/** What a run did, as its one-line summary says it (the shell's and pipe mode's alike). */
export interface RunSummary {
  /** Lines read (pipe mode); undefined in the shell, whose lines are typed. */
  read: number | undefined;
  sent: number;
  acked: number;
  refused: number;
  /** Blank lines skipped (empty, or spaces and tabs only): neither sent nor refused. */
  blank: number;
  /** Refusals by reason: `too-long`, `empty message`, a protocol code, ... */
  reasons: Record<string, number>;
  undelivered: number;
  interrupted: NodeJS.Signals | undefined;
  /** Reading gave up: the queue stayed full this long (ms) with no record delivered. */
  stalledMs: number | undefined;
  /** The run ended at the verdict that every server is down: the servers and their reasons. */
  allDown: string | undefined;
  /** `--follow`: the files, and what became of the state file. */
  follow?: FollowCounts;
  /** With --spool: records a previous run left that this one sent, records it spooled, and records left there now. */
  spool?: { replayed: number; spooled: number; left: number; cut: number } | undefined;
}

/** What `--follow` did with its files. */
export interface FollowCounts {
  files: number;
  /** Files read on from a checkpoint of a previous run. */
  resumed: number;
  /** Rotations by rename (or files deleted), and by copy-truncate. */
  renamed: number;
  truncated: number;
  /** Files read again from their checkpoint because the client dropped records of a window. */
  resent: number;
  /** Why the state file could not be saved, once it could not: the run stopped there. */
  saveFailed: string | undefined;
}

/** Nothing done yet; a pipe run then sets `read` to 0. */
export function emptySummary(): RunSummary {
  return {
    read: undefined,
    sent: 0,
    acked: 0,
    refused: 0,
    blank: 0,
    reasons: {},
    undelivered: 0,
    interrupted: undefined,
    stalledMs: undefined,
    allDown: undefined,
  };
}

/** Counts one refused line (or `n`) under its reason. */
export function countRefused(s: RunSummary, reason: string, n = 1): void {
  s.refused += n;
  s.reasons[reason] = (s.reasons[reason] ?? 0) + n;
}

/**
 * Fills in what became of the records the client accepted, each counted once, from its
 * stats after close() and the number close() left undelivered. The client counts a
 * re-routed record each time it goes out; a record sent twice is still one line.
 */
export function settle(s: RunSummary, stats: ClientStats, undeliveredAtClose: number): void {
  const dropped = droppedOf(stats) - stats.dropped.closed;
  s.undelivered = undeliveredAtClose + dropped;
  // With a spool, what a previous run left is delivered too, and what is left counts undelivered.
  const spool = stats.spool;
  // Records log() refused (queue or spool full) are undelivered lines, but were never accepted.
  s.sent = stats.accepted + (spool?.found ?? 0) - (s.undelivered - refusedByLog(stats));
  s.acked = stats.acked;
  if (spool !== undefined) {
    const { replayed, spooled, left, cut } = spool;
    s.spool = { replayed, spooled, left, cut };
  }
}

/** The one-line summary for stderr. */
export function formatSummary(s: RunSummary, ack: boolean): string {
  const parts =
    s.read === undefined
      ? [`${s.sent} ${s.sent === 1 ? 'record' : 'records'} sent`]
      : [`${s.read} ${s.read === 1 ? 'line' : 'lines'} read`, `${s.sent} sent`];
  if (ack) parts.push(`${s.acked} acked`);
  let refused = `${s.refused} refused`;
  const reasons = Object.entries(s.reasons);
  if (reasons.length > 0) refused += ` (${reasons.map(([r, n]) => `${n} ${r}`).join(', ')})`;
  parts.push(refused);
  if (s.blank > 0) parts.push(`${s.blank} blank skipped`);
  if (s.spool !== undefined) {
    let spool = `spool: ${s.spool.replayed} replayed, ${s.spool.spooled} spooled`;
    if (s.spool.cut > 0)
      spool += `, ${s.spool.cut} torn or corrupt ${s.spool.cut === 1 ? 'entry' : 'entries'} cut`;
    if (s.spool.left > 0) spool += `, ${s.spool.left} left for the next run`;
    parts.push(spool);
  }
  if (s.undelivered > 0)
    parts.push(
      `${s.undelivered} undelivered${s.allDown === undefined ? '' : ` (every server down: ${s.allDown})`}`,
    );
  else if (s.allDown !== undefined) parts.push(`every server down: ${s.allDown}`);
  const f = s.follow;
  if (f !== undefined) {
    parts.push(`${f.files} ${f.files === 1 ? 'file' : 'files'} followed (${f.resumed} resumed)`);
    const rotations = f.renamed + f.truncated;
    if (rotations > 0)
      parts.push(
        `${rotations} ${rotations === 1 ? 'rotation' : 'rotations'} (${f.renamed} renamed, ${f.truncated} truncated)`,
      );
    if (f.resent > 0) parts.push(`${f.resent} ${f.resent === 1 ? 'window' : 'windows'} read again`);
    if (f.saveFailed !== undefined) parts.push(`state file not saved: ${f.saveFailed}`);
  }
  if (s.stalledMs !== undefined) parts.push(`gave up reading: no record delivered for ${s.stalledMs} ms`);
  if (s.interrupted !== undefined) parts.push(`stopped by ${s.interrupted}`);
  return safeText(`clogs-cli: ${parts.join(', ')}`);
}

/** Records log() refused for a full queue or spool: dropped, and never accepted. */
export const refusedByLog = (stats: ClientStats) => stats.dropped.queue_full + stats.dropped.spool_full;

/** Records the client dropped, every reason. */
export const droppedOf = (stats: ClientStats) => Object.values(stats.dropped).reduce((a, b) => a + b, 0);
