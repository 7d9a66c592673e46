import { PongStatus } from '@clogs/protocol';

/**
 * Why a server that answers is kept out of the continuum: its PONG says it cannot write
 * (`cannot-write`), or it answered only a version 1 PING (`version`: it speaks only wire
 * version 1, and is never sent records).
 */
export type WireReason = 'cannot-write' | 'version';

/** A server left the continuum (`out`) or came back (`in`) on a PONG. */
export type WireChange = 'out' | 'in' | undefined;

/**
 * One server's side of the version negotiation and of the PONG's status, with no
 * sockets in it (as {@link PingTracker} for the pings). The link feeds it the PONGs that
 * answer the PING in flight, and asks it at each ping whether to add a version 1 PING.
 *
 * A version 2 server answers the first version 2 PING; only when that one went
 * unanswered for a whole interval does each ping get a version 1 PING beside it, so a
 * version 2 server whose first PONG was lost is not taken for a version 1 one. A
 * version 2 PONG ends the negotiation for good (and brings back a server taken for
 * version 1: it was upgraded, or its answers crossed).
 */
export class WireHealth {
  /** Out of the continuum though it answers, and why; undefined: in. */
  out: WireReason | undefined;
  /** A version 2 PONG came: the server speaks version 2. */
  private v2 = false;
  private pings = 0;

  /** The ping about to go also gets a version 1 PING: no version 2 PING has been answered yet, past the first. */
  pingV1(): boolean {
    return !this.v2 && this.pings++ > 0;
  }

  /** A version 2 PONG with `status` answered the PING in flight. */
  pong(status: number): WireChange {
    this.v2 = true;
    // READY (0) only: other values are "not ready", whatever a later version calls them.
    const next: WireReason | undefined = status === PongStatus.READY ? undefined : 'cannot-write';
    if (next === this.out) return undefined;
    this.out = next;
    return next === undefined ? 'in' : 'out';
  }

  /** A version 1 PONG answered the PING in flight: `out` when it shows a version 1 server. */
  v1Pong(): WireChange {
    if (this.v2 || this.out === 'version') return undefined;
    this.out = 'version';
    return 'out';
  }
}
