import { AckBatch } from '../delivery/ack-batch.js';
import { RateControl } from '../delivery/rate-control.js';
import { MIN_WINDOW, Retransmit } from '../delivery/retransmit.js';
import { Pacer } from '../transport/pacer.js';

/** What a flow is sized by (a client's resolved options). */
export interface FlowOptions {
  maxDatagramBytes: number;
  paceBytesPerMs: number;
  paceFramesPerMs: number;
}

/**
 * One server's flow: the frames awaiting their ACK, the window and pacing rate, the
 * pacer and the ACK being read. Each part is made when first used, so a server that
 * never has records holds none of them; once made, it stays while the link does.
 */
export abstract class FlowState {
  private flowRtx: Retransmit | undefined;
  private flowRc: RateControl | undefined;
  private flowPacer: Pacer | undefined;
  private flowBatch: AckBatch | undefined;
  /** When the current flow started (the link was made, or the flow restarted): its rate control's time zero. */
  private flowSince = performance.now();
  /** The server's replay window, from its last PONG. */
  private replayWindow = MIN_WINDOW;
  /** The last PING's round trip: the ACK timeout starts from it (see {@link Retransmit.pinged}). */
  private pingRttMs: number | undefined;

  constructor(
    private readonly flowOptions: FlowOptions,
    /** The window's ceiling, bytes: the delivery strategy's. */
    private readonly maxWindowBytes: number,
  ) {}

  /** Frames awaiting their ACK, the ACK timeout. */
  get rtx(): Retransmit {
    if (this.flowRtx === undefined) {
      this.flowRtx = new Retransmit();
      this.flowRtx.window = this.replayWindow;
      if (this.pingRttMs !== undefined) this.flowRtx.pinged(this.pingRttMs);
    }
    return this.flowRtx;
  }

  /** How much may be in flight, and how fast it goes. */
  get rc(): RateControl {
    this.flowRc ??= this.newRc(this.flowSince);
    return this.flowRc;
  }

  /** A rate control with time zero at `since`. */
  protected newRc(since: number): RateControl {
    return new RateControl(this.flowOptions.maxDatagramBytes, this.maxWindowBytes, since);
  }

  get pacer(): Pacer {
    const o = this.flowOptions;
    this.flowPacer ??= new Pacer(o.paceBytesPerMs, o.paceFramesPerMs, performance.now());
    return this.flowPacer;
  }

  /** What the ACK datagram being read acknowledges. */
  protected get batch(): AckBatch {
    this.flowBatch ??= new AckBatch();
    return this.flowBatch;
  }

  /** The rate control as it stands, none before the first frame. */
  protected get rcIfAny(): RateControl | undefined {
    return this.flowRc;
  }

  /** The retransmission state as it stands, none before the first frame. */
  protected get rtxIfAny(): Retransmit | undefined {
    return this.flowRtx;
  }

  /** A measured flow starts afresh from now (its rate control is made when next used). */
  protected restartFlow(): void {
    this.flowRc = undefined;
    this.flowSince = performance.now();
  }

  /** The server's replay window changed (its PONG says). */
  protected setReplayWindow(window: number): void {
    this.replayWindow = Math.max(MIN_WINDOW, window);
    if (this.flowRtx !== undefined) this.flowRtx.window = this.replayWindow;
  }

  /** A PING was answered after `rttMs`. */
  protected setPingRtt(rttMs: number): void {
    this.pingRttMs = rttMs;
    this.flowRtx?.pinged(rttMs);
  }
}
