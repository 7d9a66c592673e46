import { CliError, mostSpecificMessage } from '../errors.js';
import { type LineFormat, LineParser, type ParsedLine } from '../line/parse-line.js';
import type { Notices } from '../notices.js';
import { refusalOf } from '../refusals.js';
import type { Session } from '../session.js';
import type { StopSignals } from '../stop-signals.js';
import { countRefused, emptySummary, type RunSummary, settle } from '../summary.js';
import type { Checkpoint, CheckpointFile } from './checkpoint-file.js';
import { FileSet } from './file-set.js';
import { TailReader } from './tail-reader.js';
import { WindowCounts } from './window-counts.js';

export interface FollowOptions {
  /** The `--follow` paths and patterns. */
  patterns: string[];
  /** Where a file found at the first run (no state file yet) is read from. */
  from: 'start' | 'end';
  /** The state file, and what it held at start (undefined: there was none, a first run). */
  state: CheckpointFile;
  checkpoints: Checkpoint[] | undefined;
  /** How long a last line without newline waits for one before it is sent, ms. */
  partialTimeoutMs: number;
  format: LineFormat;
  keepEmpty: boolean;
  ack: boolean;
  /** How long the final flush may take, ms. */
  timeoutMs: number;
}

export interface FollowIo {
  stop: StopSignals;
  notices: Notices;
}

/** Lines logged between two checkpoints: at most this many are sent again after a crash. */
export const WINDOW_LINES = 8192;
/** How often the patterns are listed again and the files checked for rotation while there is data. */
const SCAN_MS = 250;
/** How long an idle follower waits before it looks again. */
const POLL_MS = 100;
/** How long a wait for ACKs goes before it checks for a stop. */
const BARRIER_SLICE_MS = 1000;

/** Refused lines said one by one on stderr; past these the summary counts the rest. */
const REFUSALS_SHOWN = 10;

const LINE_TOO_LONG = new CliError('ERR_CLI_BAD_LINE', 'line too long: no datagram holds it', {
  reason: 'too-long',
});

/**
 * `--follow`: the files under the patterns are read as `tail -F` reads them, each line
 * one record, until SIGINT/SIGTERM. Lines go in windows of at most {@link WINDOW_LINES}:
 * after each, the client is flushed (with --ack: until every record is acknowledged) and
 * only then do the checkpoints move past the window and the state file is saved. A crash
 * sends the last window again; it never skips a line. Records the client dropped during
 * a window (the queue full, a server gone for good) are read again from the checkpoint.
 */
export async function runFollow(session: Session, o: FollowOptions, io: FollowIo): Promise<RunSummary> {
  const summary: RunSummary & { read: number } = { ...emptySummary(), read: 0 };
  // Once a state file exists, a file it does not know appeared while clogs-cli was
  // stopped (a rotation, a new log): all of it is new.
  const files = new FileSet(o.patterns, o.checkpoints === undefined ? o.from : 'start');
  summary.follow = { ...files.counts, resent: 0, saveFailed: undefined };
  const parser = new LineParser(o.format, o.keepEmpty);
  const fields: { sysId: string | undefined; msgType: string | undefined } = {
    sysId: undefined,
    msgType: undefined,
  };
  let shown = 0;
  const refuseLine = (err: unknown) => {
    countRefused(summary, refusalOf(err));
    if (shown === REFUSALS_SHOWN) return;
    io.notices.say(`clogs-cli: line ${summary.read} refused: ${mostSpecificMessage(err)}`);
    if (++shown === REFUSALS_SHOWN)
      io.notices.say(
        `clogs-cli: only the first ${REFUSALS_SHOWN} refused lines are shown; the summary counts them all`,
      );
  };
  let needRoom = false;
  const reader = new TailReader(
    (buf, start, end) => {
      summary.read++;
      let parsed: ParsedLine;
      try {
        if (parser.skips(buf, start, end)) {
          summary.blank++;
          return true;
        }
        parsed = parser.parse(buf, start, end);
      } catch (err) {
        refuseLine(err);
        return true;
      }
      fields.sysId = parsed.sysId;
      fields.msgType = parsed.msgType;
      try {
        if (!session.log(parsed.msg, fields)) needRoom = true;
      } catch (err) {
        refuseLine(err);
      }
      return !needRoom;
    },
    () => {
      summary.read++;
      refuseLine(LINE_TOO_LONG);
    },
  );

  let stopped = false;
  let wake: (() => void) | undefined;
  const onStop = (signal: NodeJS.Signals, count: number) => {
    if (count === 1) {
      summary.interrupted = signal;
      stopped = true;
      wake?.();
      io.notices.say(
        `clogs-cli: ${signal}: stopped reading; delivering what was read (up to ${o.timeoutMs} ms; another signal gives up), then saving ${o.state.path}`,
      );
    } else {
      session.giveUp();
    }
  };
  /** Resolves on `event` of the session, after `ms`, or on a stop. */
  const pause = (ms: number, event?: 'drain') =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (event !== undefined) session.off(event, done);
        wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (event !== undefined) session.on(event, done);
      wake = done;
    });
  const counts = new WindowCounts(summary, () => session.stats());

  const save = async () => {
    try {
      await o.state.save(files.checkpoints());
      return true;
    } catch (err) {
      summary.follow!.saveFailed = (err as Error).message;
      io.notices.say(
        `clogs-cli: cannot save the state file ${o.state.path}: ${(err as Error).message}; stopping (the checkpoints stay where they were)`,
      );
      await o.state.discardTemp();
      stopped = true;
      return false;
    }
  };

  /**
   * Waits until every record logged so far is delivered, then moves the checkpoints up
   * to what was read and saves them. Running, it waits as long as it takes (the files
   * are the buffer); stopping, at most `timeoutMs`.
   */
  const commit = async (final: boolean) => {
    let done: boolean;
    if (final) done = await session.flush({ timeoutMs: o.timeoutMs });
    else {
      do done = await session.flush({ timeoutMs: BARRIER_SLICE_MS });
      while (!done && !stopped);
    }
    if (!done) return;
    const tails = files.ordered();
    // Drops since the last checkpoint, not since this wait began: lines dropped while
    // the window was read are in it too.
    if (counts.dropped()) {
      // Lost in the client: read again from the last checkpoint.
      counts.readAgain();
      for (const t of tails) {
        if (t.offset !== t.committed) summary.follow!.resent++;
        t.offset = t.committed;
        t.partialSince = undefined;
      }
      io.notices.say('clogs-cli: records were dropped by the client; reading them again from the checkpoint');
      return;
    }
    let moved = false;
    for (const t of tails) {
      if (t.committed !== t.offset) moved = true;
      t.committed = t.offset;
    }
    counts.committed();
    if (moved || final) await save();
  };

  io.stop.listen(onStop);
  try {
    await files.start(o.checkpoints ?? []);
    // Where each file starts (a checkpoint, or --from) is saved before a line is sent.
    await save();
    if (!stopped)
      io.notices.say(
        `clogs-cli: following ${files.tails.size} ${files.tails.size === 1 ? 'file' : 'files'} (${files.counts.resumed} resumed), state in ${o.state.path}`,
      );
    let lastScan = performance.now();
    while (!stopped) {
      let now = performance.now();
      if (now - lastScan >= SCAN_MS) {
        await files.rescan();
        lastScan = now;
      }
      let logged = 0;
      let moved = false;
      let rewritten = false;
      for (const tail of files.ordered()) {
        const before = tail.offset;
        while (!stopped && logged < WINDOW_LINES) {
          const r = await reader.read(tail, now, WINDOW_LINES - logged);
          logged += r.lines;
          if (needRoom) {
            await pause(BARRIER_SLICE_MS, 'drain');
            needRoom = false;
          }
          if (!r.more) break;
        }
        if (stopped || logged >= WINDOW_LINES) break;
        now = performance.now();
        const waited = tail.partialSince !== undefined && now - tail.partialSince >= o.partialTimeoutMs;
        if ((waited || tail.rotated) && tail.partialSince !== undefined && (await reader.takePartial(tail)))
          logged++;
        if (tail.offset !== before) moved = true;
        if (tail.rewritten) rewritten = true;
      }
      if (stopped) break;
      if (rewritten) {
        // At once, while the copy is matched against what its original was.
        await files.rescan();
        lastScan = performance.now();
      }
      if (logged > 0 || moved) await commit(false);
      await files.closeFinished();
      if (logged === 0 && !moved && !stopped) {
        await pause(POLL_MS);
        if (!stopped) {
          await files.rescan();
          lastScan = performance.now();
        }
      }
    }
    if (summary.follow.saveFailed === undefined) await commit(true);
  } finally {
    io.stop.unlisten(onStop);
    Object.assign(summary.follow!, files.counts);
    await files.close();
  }
  const { undelivered } = await session.close(0);
  settle(summary, session.stats(), undelivered);
  counts.settle();
  return summary;
}
