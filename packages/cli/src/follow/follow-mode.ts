import { CliError, mostSpecificMessage } from '../errors.js';
import { type LineFormat, LineParser, type ParsedLine } from '../line/parse-line.js';
import type { Notices } from '../notices.js';
import { refusalOf } from '../refusals.js';
import type { Session } from '../session.js';
import type { StopSignals } from '../stop-signals.js';
import { countRefused, emptySummary, type RunSummary, settle } from '../summary.js';
import type { Checkpoint, CheckpointFile } from './checkpoint-file.js';
import { CheckpointKeeper } from './checkpoint-keeper.js';
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

/** Lines between two marks: a mark settling moves a checkpoint at most this far behind what was sent. */
export const MARK_LINES = 256;
/** Lines read before the loop looks at the files and the stop signals again. */
const READ_LINES = 16_384;
/** How often the patterns are listed again and the files checked for rotation while there is data. */
const SCAN_MS = 250;
/** How long an idle follower waits before it looks again. */
const POLL_MS = 100;
/** How long a wait for the client goes before it checks for a stop. */
const BARRIER_SLICE_MS = 1000;

/** Refused lines said one by one on stderr; past these the summary counts the rest. */
const REFUSALS_SHOWN = 10;

const LINE_TOO_LONG = new CliError('ERR_CLI_BAD_LINE', 'line too long: no datagram holds it', {
  reason: 'too-long',
});

/**
 * `--follow`: the files under the patterns are read as `tail -F` reads them, each line
 * one record, until SIGINT/SIGTERM. Every {@link MARK_LINES} lines of a file, and after
 * each read, a client mark is made at the offset reached; once it settles (every record
 * before it acknowledged with --ack, sent without) the file's checkpoint moves there and
 * the state file is saved in place. Reading never waits for the ACKs: a crash sends again
 * only the lines past the last settled mark. Records the client dropped (its queue full,
 * a server gone for good) hold the checkpoints; once the client is idle, every file is
 * read again from its checkpoint.
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
  const counts = new WindowCounts(summary, () => session.stats());

  let stopped = false;
  /** Records were dropped past the checkpoints: read the files again from them. */
  let readAgain = false;
  let wake: (() => void) | undefined;
  const keeper = new CheckpointKeeper(session, o.state, files, counts, {
    dropped: () => {
      readAgain = true;
      wake?.();
    },
    failed: (err) => {
      summary.follow!.saveFailed = err.message;
      io.notices.say(
        `clogs-cli: cannot save the state file ${o.state.path}: ${err.message}; stopping (the checkpoints stay where they were)`,
      );
      stopped = true;
      wake?.();
    },
  });

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
    keeper.markAt,
    MARK_LINES,
  );

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

  /** Records were dropped: once every record logged has settled, the files are read again from the checkpoints. */
  const readFromCheckpoints = async () => {
    let done: boolean;
    do done = await session.flush({ timeoutMs: BARRIER_SLICE_MS });
    while (!done && !stopped);
    if (!done) return;
    await settleMarks();
    readAgain = false;
    summary.follow!.resent += keeper.readAgain();
    io.notices.say('clogs-cli: records were dropped by the client; reading them again from the checkpoint');
  };

  io.stop.listen(onStop);
  try {
    await files.start(o.checkpoints ?? []);
    // Where each file starts (a checkpoint, or --from) is saved before a line is sent.
    await keeper.save();
    if (!stopped)
      io.notices.say(
        `clogs-cli: following ${files.tails.size} ${files.tails.size === 1 ? 'file' : 'files'} (${files.counts.resumed} resumed), state in ${o.state.path}`,
      );
    let lastScan = performance.now();
    while (!stopped) {
      if (readAgain) {
        await readFromCheckpoints();
        continue;
      }
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
        while (!stopped && !readAgain && logged < READ_LINES) {
          const r = await reader.read(tail, now, READ_LINES - logged);
          logged += r.lines;
          keeper.markTail(tail);
          if (needRoom) {
            await pause(BARRIER_SLICE_MS, 'drain');
            needRoom = false;
          }
          if (!r.more) break;
        }
        if (stopped || readAgain || logged >= READ_LINES) break;
        now = performance.now();
        const waited = tail.partialSince !== undefined && now - tail.partialSince >= o.partialTimeoutMs;
        if ((waited || tail.rotated) && tail.partialSince !== undefined && (await reader.takePartial(tail)))
          logged++;
        keeper.markTail(tail);
        if (tail.offset !== before) moved = true;
        if (tail.rewritten) rewritten = true;
      }
      if (stopped) break;
      if (rewritten) {
        // At once, while the copy is matched against what its original was.
        await files.rescan();
        lastScan = performance.now();
      }
      await files.closeFinished();
      if (logged === 0 && !moved && !stopped && !readAgain) {
        await pause(POLL_MS);
        if (!stopped) {
          await files.rescan();
          lastScan = performance.now();
        }
      }
    }
    if (summary.follow.saveFailed === undefined) {
      // Stopping: what was read is delivered within timeoutMs; the marks that settle move the checkpoints.
      await session.flush({ timeoutMs: o.timeoutMs });
      await settleMarks();
      await keeper.save();
    }
  } finally {
    io.stop.unlisten(onStop);
    Object.assign(summary.follow!, files.counts);
    // The keeper first: a mark settling later must not save the files as they close.
    await keeper.close();
    await files.close();
  }
  const { undelivered } = await session.close(0);
  settle(summary, session.stats(), undelivered);
  counts.settle();
  return summary;
}

/** Lets the marks that settled run their callbacks (they are promise reactions). */
const settleMarks = () => new Promise<void>((resolve) => setImmediate(resolve));
