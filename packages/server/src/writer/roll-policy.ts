import { join } from 'node:path';

/**
 * When files roll: past `rollBytes` (a sys_id's own, or the server's), and each UTC
 * hour or day (`rollEvery`) or by size only. Each file asks before its next write, so a
 * change applies from the next write on.
 */
export class RollPolicy {
  private rollBytes: number;
  private periodMs: number;
  /** Roll sizes of sys_ids that have their own, by their folder. */
  private bytesByDir: Map<string, number> | undefined;

  constructor(
    /** The data dir: a sys_id's folder is under it. */
    private readonly root: string,
    rollBytes: number,
    rollEvery: 'hour' | 'day' | undefined,
  ) {
    this.rollBytes = rollBytes;
    this.periodMs = periodMs(rollEvery);
  }

  /** New sizes and period: a changed `rollEvery` rolls a non-empty file at its next write, so it starts on the new schedule. */
  set(rollBytes: number, rollEvery: 'hour' | 'day' | undefined, bySys?: ReadonlyMap<string, number>): void {
    this.rollBytes = rollBytes;
    this.periodMs = periodMs(rollEvery);
    this.bytesByDir =
      bySys === undefined || bySys.size === 0
        ? undefined
        : new Map([...bySys].map(([sys, bytes]) => [join(this.root, sys), bytes]));
  }

  /** The roll size of the files in `dir` (a sys_id's folder): its own, or the server's. */
  bytesOf(dir: string): number {
    return this.bytesByDir?.get(dir) ?? this.rollBytes;
  }

  /** The time-rolling period `ms` falls in (the same number for every time when rolling by time is off). */
  period(ms: number): number {
    return this.periodMs === 0 ? 0 : Math.floor(ms / this.periodMs);
  }
}

function periodMs(rollEvery: 'hour' | 'day' | undefined): number {
  return rollEvery === 'hour' ? 3_600_000 : rollEvery === 'day' ? 86_400_000 : 0;
}
