/**
 * Why a server went down or came back: `no-pong` (missed pings), `refused` (ICMP port
 * unreachable), `no-ack` (at-least-once: answers pings, acknowledges nothing),
 * `cannot-write` (its PONG says its writes fail), `version` (it speaks only wire version
 * 1), `pong` (answered again, or ready again), `retry` (a `no-ack` server tried again
 * after its time out).
 */
export type HealthReason =
  | 'no-pong'
  | 'refused'
  | 'no-ack'
  | 'cannot-write'
  | 'version'
  | 'pong'
  | 'retry'
  | 'ack';

/**
 * `probing`: in the start list, not yet heard from. It is in the continuum (records
 * route as they will once it answers) but is sent nothing until its first PONG proves
 * it takes this client's frames (a server with another AUTH key, or none, drops them
 * without a word). `up`: answered. `down`: out of the continuum.
 */
export type HealthState = 'probing' | 'up' | 'down';

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
 * down server back; otherwise a miss is counted, and at `failureLimit` misses a server
 * that is up (or still probing) goes down. Then the next PING gets id + 2. Down servers
 * keep being pinged: that is how they come back, and only an answer brings them back.
 * A server's first valid PONG ever (probing, or joining: added down by setServers())
 * makes it up at once, not at the next tick: the start of sending waits one round
 * trip, not one interval. A server that was up and went down waits for the tick, so
 * one stray answer does not bring it back between two judged pings.
 */
export class PingTracker {
  state: HealthState;
  misses = 0;
  /** Round-trip time of the last valid PONG, ms; undefined until the server has answered once. */
  rttMs: number | undefined;
  /** When the last valid PONG came (-Infinity: none yet). */
  lastPongAt = Number.NEGATIVE_INFINITY;
  private pingId: number;
  private sentAt = 0;
  private answered = false;
  /** The first tick judges no PING (none was sent before it). */
  private judged = false;
  private refusedSinceTick = false;
  /** Added down by setServers() and not yet heard from. */
  private joining: boolean;

  /**
   * `initial`: `'probing'` for the start list; `'down'` for a server added later by
   * setServers() (it joins on its first valid PONG); `'up'` takes a server as answering
   * until it misses.
   */
  constructor(
    private readonly failureLimit: number,
    firstPingId: number,
    initial: HealthState = 'up',
  ) {
    this.pingId = (firstPingId - 2) >>> 0;
    this.state = initial;
    this.joining = initial === 'down';
  }

  /** Up: records are sent to it. */
  get up(): boolean {
    return this.state === 'up';
  }

  /** The id of the PING in flight. */
  get currentPingId(): number {
    return this.pingId;
  }

  /** Judges the last PING and returns the id of the next one (sent at `now`). */
  tick(now: number): Verdict {
    let change: Verdict['change'];
    let reason: HealthReason | undefined;
    if (!this.judged) {
      this.judged = true;
    } else if (this.answered) {
      this.misses = 0;
      if (this.state !== 'up') {
        this.state = 'up';
        change = 'up';
        reason = 'pong';
      }
    } else {
      this.misses++;
      if (this.state !== 'down' && this.misses >= this.failureLimit) {
        this.state = 'down';
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

  /**
   * A PONG arrived; true when it answers the PING in flight. A server's first answer
   * ever makes it up from this moment (the caller starts sending to it).
   */
  pong(seq: number, now: number): boolean {
    if (seq !== (this.pingId + 1) >>> 0 || this.answered) return false;
    this.answered = true;
    this.rttMs = now - this.sentAt;
    this.lastPongAt = now;
    if (this.state === 'probing' || this.joining) {
      this.state = 'up';
      this.misses = 0;
      this.joining = false;
    }
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
