import { type AckPolicy, AckWatch } from './ack-watch.js';
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
  readonly acks: AckWatch;
  /** Why it is down, when it is. */
  downReason: HealthReason | undefined;

  constructor(
    o: { failureLimit: number; pingIntervalMs: number },
    /** What ACK silence leads to: the delivery strategy's. */
    ackPolicy: AckPolicy,
    firstPingId: number,
    initial: HealthState,
  ) {
    this.tracker = new PingTracker(o.failureLimit, firstPingId, initial);
    this.acks = new AckWatch(ackPolicy, o.failureLimit * o.pingIntervalMs);
  }

  /** Out for what its PONGs or its ACKs say, whatever its pings say. */
  private get out(): boolean {
    return this.acks.outUntil > 0 || this.wire.out !== undefined;
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
