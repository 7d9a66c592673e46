import type { RateControl } from '../delivery/rate-control.js';
import type { PingTracker } from './ping-tracker.js';

/** A server out for sending no ACKs is tried again after this long. */
export const NO_ACK_RETRY_MS = 30_000;
/**
 * A server that has ACKed no frame at all this many ping round trips after the first
 * went out (and at least NEVER_ACKED_MS) is taken to send no ACKs, when the policy
 * judges so. A clogs-server ACKs its first frame after one file write, in a few ms.
 */
const NEVER_ACKED_RTTS = 8;
const NEVER_ACKED_MS = 100;
/**
 * A server that answers PINGs is judged silent on ACKs only after this long at least,
 * whatever the ping settings: a server ACKs after its write, and a burst of large
 * frames on a busy machine can take it a few hundred ms to write the first. Taken out
 * then, it would send its share to the others, who are as busy.
 */
const SILENT_MIN_MS = 1000;

/**
 * What a link does about a server that sends no ACKs: `'open-loop'` (send to it at the
 * pace setting, wait on nothing), `'out'` (out of the continuum for
 * {@link NO_ACK_RETRY_MS}), `'retry'` (that time is over).
 */
export type AckVerdict = 'open-loop' | 'out' | 'retry' | undefined;

/** What ACK silence means: each delivery strategy holds its own (delivery/at-*.ts). */
export interface AckPolicy {
  /** What a silent server is made: sent open-loop, or taken out of the continuum. */
  readonly onSilence: 'open-loop' | 'out';
  /** A server that has ACKed no frame at all is judged after {@link NEVER_ACKED_RTTS} ping round trips already. */
  readonly judgeNeverAcked: boolean;
  /** A server that has not ACKed yet gets at least this long for its first ACK, ms. */
  readonly firstAckGraceMs: number;
}

/**
 * One server's side of "does it ACK?", with no timers or sockets in it (as
 * {@link PingTracker} for pings): the link asks it on every tick.
 *
 * A server is silent when it stops ACKing for `failureLimit` ping intervals while a
 * PONG since proves it alive (for its first ACK, at least the policy's grace), or, when
 * the policy judges it so, when it has ACKed nothing at all since frames first went to
 * it, {@link NEVER_ACKED_RTTS} ping round trips (at least {@link NEVER_ACKED_MS}) later.
 * The {@link AckPolicy} says what follows: open-loop, until its first ACK makes the flow
 * measured again; or out, tried again after {@link NO_ACK_RETRY_MS}, or as soon as a
 * late ACK shows it ACKs.
 */
export class AckWatch {
  /** Open-loop: the server sends no ACKs (none at all, or none lately); frames go at the pace setting. */
  openLoop = false;
  /** Out of the continuum for sending no ACKs until this time (0: in). */
  outUntil = 0;
  /** How long the server had been silent at the last verdict, ms. */
  silentMs = 0;
  /** An ACK came from it, ever. */
  private heard = false;

  constructor(
    private readonly policy: AckPolicy,
    /** failureLimit × pingIntervalMs: ACK silence past it (and past SILENT_MIN_MS) is a verdict. */
    silentLimitMs: number,
  ) {
    this.silentLimitMs = Math.max(SILENT_MIN_MS, silentLimitMs);
  }

  private readonly silentLimitMs: number;

  /** Judges the server at `now`. */
  judge(now: number, tracker: PingTracker, rc: RateControl | undefined): AckVerdict {
    if (this.outUntil > 0) {
      if (now < this.outUntil) return undefined;
      this.outUntil = 0;
      return 'retry';
    }
    // No rate control yet: nothing was ever sent, so nothing is awaited.
    const since = rc?.ackWaitSince;
    if (rc === undefined || !tracker.up || this.openLoop || since === undefined) return undefined;
    const silentMs = now - since;
    const alive = tracker.lastPongAt > since;
    const { policy } = this;
    const neverAcked =
      policy.judgeNeverAcked &&
      rc.delivered === 0 &&
      silentMs >= Math.max(NEVER_ACKED_MS, NEVER_ACKED_RTTS * (tracker.rttMs ?? 0));
    const limitMs = this.heard ? this.silentLimitMs : Math.max(this.silentLimitMs, policy.firstAckGraceMs);
    if (!neverAcked && !(alive && silentMs >= limitMs)) return undefined;
    this.silentMs = silentMs;
    if (policy.onSilence === 'open-loop') {
      this.openLoop = true;
      return 'open-loop';
    }
    this.outUntil = now + NO_ACK_RETRY_MS;
    return 'out';
  }

  /**
   * An ACK came while out for sending none. It ACKs after all, only late
   * (a busy disk: a clogs-server ACKs once the lines are written), so it is back at
   * once, not after {@link NO_ACK_RETRY_MS}; true when it was out.
   */
  ackedWhileOut(): boolean {
    if (this.outUntil === 0) return false;
    this.outUntil = 0;
    return true;
  }

  /** An ACK came; true when the server was open-loop (its flow starts afresh, measured). */
  acked(): boolean {
    this.heard = true;
    if (!this.openLoop) return false;
    this.openLoop = false;
    return true;
  }
}
