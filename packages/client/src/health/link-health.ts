import type { RateControl } from '../delivery/rate-control.js';
import { type AckPolicy, type AckVerdict, AckWatch } from './ack-watch.js';
import { type HealthReason, type HealthState, PingTracker } from './ping-tracker.js';
import { WireHealth } from './wire-health.js';

/**
 * One server's health, as one object with one state: what its pings say
 * ({@link PingTracker}), what its PONGs say of its version and writes
 * ({@link WireHealth}), whether it ACKs ({@link AckWatch}), and why it is down. The
 * link feeds it; the fleet and the stats read {@link state}, {@link up} and
 * {@link inRing}, never the parts.
 */
export class LinkHealth {
  readonly tracker: PingTracker;
  readonly wire = new WireHealth();
  /** Why it is down, when it is. */
  downReason: HealthReason | undefined;
  /** Made when first asked (frames went, or an ACK came): an idle server has nothing to judge. */
  private ackWatch: AckWatch | undefined;

  constructor(
    private readonly o: { failureLimit: number; pingIntervalMs: number },
    /** What ACK silence leads to: the delivery strategy's. */
    private readonly ackPolicy: AckPolicy,
    firstPingId: number,
    initial: HealthState,
  ) {
    this.tracker = new PingTracker(o.failureLimit, firstPingId, initial);
  }

  /** Whether it ACKs. */
  get acks(): AckWatch {
    this.ackWatch ??= new AckWatch(this.ackPolicy, this.o.failureLimit * this.o.pingIntervalMs);
    return this.ackWatch;
  }

  /** Whether it ACKs, as it stands: none while nothing was sent to it and no ACK came. */
  get acksIfAny(): AckWatch | undefined {
    return this.ackWatch;
  }

  /** Judges whether it ACKs (see {@link AckWatch.judge}); `rc`: its flow's rate control, none before its first frame. */
  judgeAcks(now: number, rc: RateControl | undefined): AckVerdict {
    // Nothing ever sent and no ACK yet: nothing to judge, and no watch made for it.
    if (rc === undefined && this.ackWatch === undefined) return undefined;
    return this.acks.judge(now, this.tracker, rc);
  }

  /** Out for what its PONGs or its ACKs say, whatever its pings say. */
  private get out(): boolean {
    return (this.ackWatch !== undefined && this.ackWatch.outUntil > 0) || this.wire.out !== undefined;
  }

  /** `probing` (not yet heard from), `up` or `down`. */
  get state(): HealthState {
    return this.out ? 'down' : this.tracker.state;
  }

  /** It may be sent records: it answered, and nothing else keeps it out. */
  get up(): boolean {
    return this.tracker.up && !this.out;
  }

  /** In the continuum: probing or up (a probing server's records wait for its first PONG). */
  get inRing(): boolean {
    return this.state !== 'down';
  }
}
