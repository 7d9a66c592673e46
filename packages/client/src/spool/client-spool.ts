import type { FrameLedger } from '../batch/frame-ledger.js';
import type { RecordCounts } from '../client-types.js';
import type { ClientError } from '../errors.js';
import type { DropReporter } from '../events/drop-reporter.js';
import type { Fleet } from '../fleet/fleet.js';
import type { ResolvedOptions } from '../options.js';
import { Spool } from './spool.js';

/** What a client's spool reaches of the client. */
export interface ClientSpoolParts {
  fleet: Fleet;
  ledger: FrameLedger;
  counts: RecordCounts;
  drops: DropReporter;
  warn: (err: ClientError) => void;
}

/**
 * Opens the client's spool (recovering what a previous process left) and hooks it to
 * the ledger: records read back from disk are routed as log() routes them.
 * @throws {ClientError} `ERR_CLIENT_SPOOL` when the folder cannot be made, locked, read or written.
 */
export function openClientSpool(o: ResolvedOptions, c: ClientSpoolParts): Spool {
  const spool = new Spool(o.spool!, o.flushIntervalMs, o.onFull, {
    enqueue: (rec, seg) => {
      try {
        c.fleet.enqueue(c.fleet.router.pick(rec), rec, seg);
      } catch {
        // Spooled under looser rules (a record near the size limit, a client with a key now):
        // refused as log() would have refused it.
        c.counts.refused++;
        spool.release([seg, 1]);
      }
    },
    room: () => c.ledger.takesBacklog,
    drop: (reason, records) => c.drops.drop(reason, records),
    warn: c.warn,
  });
  c.ledger.tracker = { release: (spans) => spool.release(spans), settled: () => spool.refill() };
  return spool;
}
