import type { LedgerListener } from './ledger-types.js';

/**
 * When the ledger tells the client it holds records again (`busy`), that a producer
 * told to stop may go on (`drain`), and that nothing is held or being sent (`idle`).
 * `drain` is owed once log() said stop (or refused a record), and is given only once
 * what is not yet sent falls to half the high-water mark: a producer resumed at the
 * mark itself would be stopped again by its next record.
 */
export class LedgerSignals {
  private needDrain = false;
  private busy = false;

  constructor(
    /** Read at each check: the high-water mark is the options'. */
    private readonly limits: { readonly highWaterBytes: number },
    private readonly listener: LedgerListener,
  ) {}

  /** log() returned false or refused a record: `drain` is owed. */
  owe(): void {
    this.needDrain = true;
  }

  /** Owes no `drain` any more (the client gave up what it held). */
  forgive(): void {
    this.needDrain = false;
  }

  /** A record was appended: `busy`, after an idle spell. */
  held(): void {
    if (this.busy) return;
    this.busy = true;
    this.listener.busy();
  }

  /** After frames were sent, freed or given up: `notSent` bytes wait to go. */
  settled(notSent: number): void {
    if (!this.needDrain || notSent > this.limits.highWaterBytes >>> 1) return;
    this.needDrain = false;
    this.listener.drain();
  }

  /** Nothing is held or being sent (checked after `drain`: its listener may log again). */
  idle(): void {
    this.busy = false;
    this.listener.idle();
  }
}
