import { type LogRecordInput, type RedactOptions, Redactor } from '@clogs/protocol';
import type { ClientParts } from '../client-parts.js';
import type { LogOptions, RecordCounts } from '../client-types.js';
import { toRecordError } from '../errors.js';
import { DISK_ONLY, SPOOL_FULL } from '../spool/spool.js';
import { fillRecord, type RecordDefaults, recordLevel } from './record-fields.js';

/**
 * A record's way in, for `log()`: its card numbers masked, its fields filled from the
 * defaults, let in by the spool (with one) or the queue bound, tagged for the marks,
 * routed, encoded into its server's open frame, and counted. One record object serves
 * every call: nothing is allocated per record here.
 */
export class RecordIntake {
  private readonly rec: LogRecordInput = { sysId: '', msgType: '', fileName: '', msg: '' };
  /** Masks card numbers and patterns before a message is encoded; undefined: nothing to mask. */
  private readonly redactor: Redactor | undefined;

  constructor(
    private readonly parts: ClientParts,
    private readonly counts: RecordCounts,
    redact: RedactOptions | undefined,
  ) {
    this.redactor = redact === undefined ? undefined : new Redactor(redact);
  }

  /**
   * Takes one record; false when the caller should wait for `drain` (past the high-water
   * mark, or refused by a full queue or spool: counted).
   * @throws {ClientError} `ERR_CLIENT_BAD_RECORD` for a record the wire format does not allow.
   */
  take(msg: string | Uint8Array, options: LogOptions | undefined, live: RecordDefaults): boolean {
    const rec = this.rec;
    fillRecord(rec, this.redactor === undefined ? msg : this.redactor.redact(msg), options, live);
    const { ledger, fleet, marks } = this.parts;
    // Spool hook: the record goes to disk and memory, or (while records wait on disk, or
    // memory is full) to disk only; a full spool refuses it (counted).
    const spool = this.parts.spool?.failed === false ? this.parts.spool : undefined;
    let seg = spool?.admit(rec, ledger.underLimit);
    if (seg === SPOOL_FULL) return false;
    if (seg === undefined && !ledger.hasRoom()) {
      ledger.refuse();
      return false;
    }
    if (marks !== undefined) seg = marks.tag();
    const server = options?.server;
    const link =
      seg === DISK_ONLY
        ? undefined
        : server === undefined
          ? fleet.router.pick(rec)
          : fleet.pinned(server, rec);
    try {
      // Read here, so a bad level is refused and counted as any bad field is.
      rec.level = recordLevel(options, live);
      if (seg === DISK_ONLY) spool!.append(rec, undefined);
      else {
        fleet.enqueue(link, rec, seg);
        // The bytes just encoded into its frame are copied to the spool, not encoded again.
        spool?.append(rec, (link === undefined ? ledger.parked : link.lane).lastRecord());
      }
    } catch (err) {
      marks?.untag();
      this.counts.refused++;
      throw toRecordError(err);
    }
    this.counts.accepted++;
    return !ledger.overHighWater();
  }
}
