import { randomInt } from 'node:crypto';
import { type SealedSuite, SealSession } from '@clogs/protocol';
import { FrameLedger } from './batch/frame-ledger.js';
import { MarkBook } from './batch/mark-book.js';
import type { DropReason, RecordCounts } from './client-types.js';
import type { ClientError } from './errors.js';
import { DropReporter } from './events/drop-reporter.js';
import { Fleet } from './fleet/fleet.js';
import { Scheduler } from './lifetime/scheduler.js';
import { sharedLinkContext } from './link/shared-context.js';
import type { ResolvedOptions } from './options.js';
import { openClientSpool } from './spool/client-spool.js';
import type { Spool } from './spool/spool.js';

/** The client's layers, made and wired by {@link makeParts}. */
export interface ClientParts {
  readonly scheduler: Scheduler;
  readonly drops: DropReporter;
  readonly ledger: FrameLedger;
  readonly fleet: Fleet;
  /** With the `spool` option. */
  readonly spool: Spool | undefined;
  /** With the `marks` option. */
  readonly marks: MarkBook | undefined;
}

/** What the parts tell the client: its events, and the one decision that is the client's. */
export interface PartsHost {
  readonly sender: number;
  readonly counts: RecordCounts;
  emit(event: string, ...args: unknown[]): boolean;
  /** Every record held is dropped for `reason` (the exit timeout passed). */
  giveUp(reason: DropReason): void;
}

/**
 * Makes the client's layers and wires them: the {@link Scheduler} calls down into the
 * ledger and the fleet on its timers, the ledger and the links report up through the
 * host's events. Nothing is started: the client starts the fleet once it holds the parts.
 */
export function makeParts(o: ResolvedOptions, host: PartsHost): ClientParts {
  // One session for every server: one salt, one packet number counter.
  const session =
    o.key === undefined
      ? undefined
      : new SealSession({ key: o.key, suite: o.suite as SealedSuite, direction: 'client' });
  const scheduler: Scheduler = new Scheduler(o, {
    tick: (now) => fleet.tick(now),
    health: () => fleet.healthTick(),
    dns: () => fleet.refreshDns(),
    flush: () => {
      ledger.sealAll();
      fleet.pump();
    },
    pump: () => fleet.pump(),
    abandon: () => {
      host.giveUp('exit_timeout');
      // No 'drain': a producer waiting for room would refill a queue nothing can deliver
      // and be dropped again; left waiting, it lets the process end.
      ledger.abandon();
    },
  });
  const drops = new DropReporter((event) => host.emit('drop', event), scheduler);
  const ledger = new FrameLedger(o, host.sender, session !== undefined, randomInt(2 ** 32), drops, {
    busy: () => scheduler.busy(),
    drain: () => host.emit('drain'),
    idle: () => scheduler.idle(),
  });
  const fleet: Fleet = new Fleet(
    sharedLinkContext({
      o,
      sender: host.sender,
      session,
      ledger,
      drops,
      scheduler,
      counts: host.counts,
      events: host,
    }),
  );
  const spool =
    o.spool &&
    openClientSpool(o, {
      fleet,
      ledger,
      counts: host.counts,
      drops,
      warn: (err: ClientError) => host.emit('warning', err),
    });
  const marks = o.marks ? new MarkBook(drops) : undefined;
  if (marks !== undefined) ledger.tracker = marks;
  return { scheduler, drops, ledger, fleet, spool, marks };
}
