/** Why a server went down or came back. */
export type HealthReason = 'no-pong' | 'refused' | 'pong';

export interface Verdict {
  /** The server changed state at this tick. */
  change: 'up' | 'down' | undefined;
  reason: HealthReason | undefined;
  /** The id of the PING to send now. */
  pingId: number;
}

/**
 * One server's side of the clogs ping/pong algorithm, with no timers or sockets in it:
 * the caller ticks it every `pingIntervalMs` and feeds it the PONGs it receives.
 *
 * At each tick: the answer to the previous PING is judged (only a PONG whose seq is
 * exactly the previous id + 1 is valid); a valid answer clears the misses and brings a
 * down server back; otherwise a miss is counted, and at `failureLimit` misses an up
 * server goes down. Then the next PING gets id + 2. Down servers keep being pinged:
 * that is how they come back, and only an answer brings them back.
 */
export class PingTracker {
  up = true;
  misses = 0;
  /** Round-trip time of the last valid PONG, ms. */
  rttMs: number | undefined;
  private pingId: number;
  private sentAt = 0;
  private answered = false;
  private refusedSinceTick = false;

  /**
   * `up`: a server of the first list starts up, so records flow at once; one added
   * later by setServers() starts down and joins on its first valid PONG.
   */
  constructor(
    private readonly failureLimit: number,
    firstPingId: number,
    up = true,
  ) {
    // The first tick judges a ping that was never sent. Up: as if answered (no evidence
    // either way), so it stays up until it has really missed. Down: as if not.
    this.pingId = (firstPingId - 2) >>> 0;
    this.up = up;
    this.answered = up;
  }

  /** The id of the PING in flight. */
  get currentPingId(): number {
    return this.pingId;
  }

  /** Judges the last PING and returns the id of the next one (sent at `now`). */
  tick(now: number): Verdict {
    let change: Verdict['change'];
    let reason: HealthReason | undefined;
    if (this.answered) {
      this.misses = 0;
      if (!this.up) {
        this.up = true;
        change = 'up';
        reason = 'pong';
      }
    } else {
      this.misses++;
      if (this.up && this.misses >= this.failureLimit) {
        this.up = false;
        change = 'down';
        reason = this.refusedSinceTick ? 'refused' : 'no-pong';
      }
    }
    this.answered = false;
    this.refusedSinceTick = false;
    this.pingId = (this.pingId + 2) >>> 0;
    this.sentAt = now;
    return { change, reason, pingId: this.pingId };
  }

  /** A PONG arrived; true when it answers the PING in flight. */
  pong(seq: number, now: number): boolean {
    if (seq !== (this.pingId + 1) >>> 0 || this.answered) return false;
    this.answered = true;
    this.rttMs = now - this.sentAt;
    return true;
  }

  /**
   * The kernel reported the server's port unreachable (ICMP, seen as ECONNREFUSED on a
   * connected socket): the PING in flight will not be answered; counted at the next tick.
   */
  refused(): void {
    this.refusedSinceTick = true;
  }
}
