import { ServerError } from '../errors.js';
import { AUTH_WARNING_MS } from './auth-warnings.js';

/**
 * Says that a new epoch began (every replay window forgotten, a new boot): a flood of
 * new senders can start epochs back to back, so one warning per {@link AUTH_WARNING_MS}
 * at most, with the count of those not said.
 */
export class EpochNotice {
  private warnedAt = Number.NEGATIVE_INFINITY;
  private untold = 0;

  constructor(
    private readonly o: { maxSessions: number; maxReplayBytes: number },
    private readonly warn: (err: ServerError) => void,
  ) {}

  /** An epoch began for `reason`; `bootHex` is the new boot. */
  began(reason: 'sessions' | 'memory', bootHex: string): void {
    this.untold++;
    const now = Date.now();
    if (now - this.warnedAt < AUTH_WARNING_MS) return;
    this.warnedAt = now;
    const more = this.untold > 1 ? `, ${this.untold - 1} more since the last said` : '';
    this.untold = 0;
    const why =
      reason === 'sessions'
        ? `${this.o.maxSessions} sessions, the most kept`
        : `replay windows over ${this.o.maxReplayBytes} bytes`;
    this.warn(
      new ServerError(
        'ERR_SERVER_EPOCH',
        `new epoch (${why}${more}): every replay window forgotten; boot now ${bootHex}, frames sealed for the last one are refused until their clients reseal them`,
      ),
    );
  }
}
