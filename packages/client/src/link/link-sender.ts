import { type FrameHeader, forEachAckRange, ProtocolError } from '@clogs/protocol';
import type { Lane, QueuedFrame } from '../batch/lane.js';
import type { LinkFlow } from '../delivery/delivery.js';
import { ClientError } from '../errors.js';
import type { LinkHealth } from '../health/link-health.js';
import type { ServerSpec } from '../server-spec.js';
import { type TransportHandlers, UdpTransport } from '../transport/udp-transport.js';
import { FlowState } from './flow-state.js';
import type { LinkContext } from './link-context.js';

/**
 * The sending half of a {@link ServerLink}: its lane of queued frames, its window, pacer
 * and retransmission, the ACKs that release frames, and the sends themselves with
 * their stats. Whether the server may be sent records now is the link's to say
 * ({@link taking}), from its health.
 *
 * A server that never had a record holds no lane and no flow (see {@link FlowState}),
 * and its transport calls the link itself (it is the {@link TransportHandlers}): no
 * closure is made for each server.
 */
export abstract class LinkSender extends FlowState implements LinkFlow, TransportHandlers {
  readonly transport: UdpTransport;
  /** With a key: the server's boot (the first 8 bytes of its salt), from its last PONG. */
  boot: Buffer | undefined;
  /** Its lane, made with its first record. */
  private ownLane: Lane | undefined;
  /** Reads one ACK range into the batch; made with the first ACK. */
  private onRange: ((first: number, last: number) => void) | undefined;
  protected readonly stats = { framesSent: 0, recordsSent: 0, bytesSent: 0, sendErrors: 0 };

  constructor(
    public spec: ServerSpec,
    readonly health: LinkHealth,
    protected readonly ctx: LinkContext,
  ) {
    super(ctx.o, ctx.delivery.maxWindowBytes);
    this.transport = new UdpTransport(spec, this, ctx.sockets);
  }

  /** Its lane of frames, from the ledger; made when first asked, for a record. */
  get lane(): Lane {
    this.ownLane ??= this.ctx.ledger.newLane();
    return this.ownLane;
  }

  /** Its lane as it stands: none while it never had a record. */
  get laneIfAny(): Lane | undefined {
    return this.ownLane;
  }

  message(msg: Buffer): void {
    this.onMessage(msg);
  }

  ready(): void {
    this.sendNow();
  }

  refused(): void {
    this.health.tracker.refused();
  }

  dnsFailed(err: NodeJS.ErrnoException): void {
    const text = `${this.spec.name}: ${err.message}`;
    this.warn(new ClientError('ERR_CLIENT_DNS', text, { cause: err }));
  }

  socketFailed(err: NodeJS.ErrnoException): void {
    const text = `${this.spec.name}: ${err.message}`;
    this.warn(new ClientError('ERR_CLIENT_SOCKET', text, { cause: err }));
  }

  /** The server may be sent records now (up, in the continuum, ready). */
  protected abstract get taking(): boolean;

  /** A datagram from the server. */
  protected abstract onMessage(msg: Buffer): void;

  protected warn(err: ClientError): void {
    // 'warning', not 'error': an 'error' event would reject a caller's `await once(clogs,
    // 'drain')` (events.once listens for 'error'), and an unheard one would crash the app.
    this.ctx.events.emit('warning', err);
  }

  /**
   * Sends queued frames as fast as the pacer and the window allow; returns the ms until
   * the pacer has room for the frames still waiting (Infinity: none waits, or the window
   * is full and ACKs or timeouts will reopen it). The window and the pacing rate are the
   * server's {@link RateControl}, from its measured delivery rate and round trip; a server
   * that sends no ACKs (at-most-once) is sent open-loop, at the `pace` setting.
   */
  pump(now: number): number {
    // Nothing queued first: a fleet of thousands is pumped whole, and most have nothing.
    const lane = this.ownLane;
    if (lane === undefined || lane.queue.length === 0 || !this.transport.ready || !this.taking) {
      return Number.POSITIVE_INFINITY;
    }
    const { o, ledger } = this.ctx;
    const { pacer, rc } = this;
    const openLoop = this.health.acks.openLoop;
    const rate = openLoop ? 0 : rc.pacingRate;
    // No estimate yet (or open loop): the pace setting; then the measured rate, unbounded in datagrams.
    if (rate === 0) pacer.setRate(o.paceBytesPerMs, o.paceFramesPerMs);
    else pacer.setRate(rate, Number.POSITIVE_INFINITY);
    pacer.refill(now);
    while (pacer.open && this.mayTake()) {
      const q = ledger.take(lane);
      if (q === undefined) break;
      // Sealed here, on its first send, for this server's boot: never in log().
      this.ctx.sealer.seal(q, this.boot);
      pacer.take(q.frame.length);
      if (!openLoop) {
        // Registered before the send: on loopback the ACK can beat the send's callback.
        this.rtx.sending(q, now, rc.sent(q.frame.length, now, lane.queue.length === 0));
        this.ctx.delivery.sending(q);
      }
      this.transmit(q, true);
    }
    return lane.queue.length > 0 && this.mayTake() ? pacer.waitMs() : Number.POSITIVE_INFINITY;
  }

  /** It can send now (connected, first answer, window reopened): what its pacer allows goes. */
  sendNow(): void {
    const ms = this.pump(performance.now());
    if (ms !== Number.POSITIVE_INFINITY) this.ctx.scheduler.armPump(Math.max(1, Math.ceil(ms)));
  }

  /** Every tick, while the server is up: frames whose timeout passed (the strategy resends or gives them up). */
  resendDue(now: number): void {
    if (!this.health.tracker.up || this.rtxIfAny === undefined || this.rtxIfAny.unacked.size === 0) return;
    this.ctx.delivery.due(this, now);
  }

  /**
   * Takes the frames awaiting an ACK out (the server went down, or the client gives up);
   * returns those the strategy hands back, for re-routing or counting.
   */
  takeUnacked(): QueuedFrame[] {
    const rtx = this.rtxIfAny;
    if (rtx === undefined) return [];
    const taken = rtx.takeAll();
    this.rc.clearInflight();
    return this.ctx.delivery.lost(taken);
  }

  /** The server started a new boot: what it has not ACKed is the strategy's to resend (see {@link FrameSealer.reseal}). */
  protected resendForNewBoot(now: number): void {
    if (this.rtxIfAny === undefined || this.rtxIfAny.unacked.size === 0) return;
    this.ctx.delivery.newBoot(this, now);
  }

  /**
   * One ACK datagram, however many frames its ranges cover: the frames are taken out one
   * by one, the books (rate control, RTT, progress, the ledger's drain check) are kept
   * once for all of them.
   */
  protected onAck(msg: Buffer, header: FrameHeader, now: number): void {
    // It ACKs: a measured flow from here, from a fresh start.
    if (this.health.acks.acked()) this.restartFlow();
    const b = this.batch;
    b.reset();
    this.onRange ??= (first: number, last: number) => this.rtx.ackRange(first, last, this.batch);
    try {
      // A range wider than the server's window is refused whole (a broken or forged ACK).
      forEachAckRange(msg, header, this.onRange, this.rtx.window);
    } catch (err) {
      if (err instanceof ProtocolError) return;
      throw err;
    }
    if (b.newest === undefined) return; // repeats, or for frames already re-routed or expired
    this.rtx.settle(b, now);
    this.rc.acked(b.bytes, b.newest.sample, b.rttMs, now);
    this.ctx.delivery.acked(b, now);
    b.frames.length = 0;
    if (this.ownLane !== undefined && this.ownLane.queue.length > 0) this.ctx.scheduler.armPump(0);
  }

  /** The server may take another frame: open loop, or room in its window and its replay window. */
  private mayTake(): boolean {
    const next = this.lane.queue.first;
    return this.health.acks.openLoop || (this.rc.open() && (next === undefined || this.rtx.open(next.seq)));
  }

  /** One send of a frame (its first, or a resend); its buffer stays put until the callback. */
  transmit(q: QueuedFrame, first: boolean): void {
    this.ctx.ledger.sendStarted(q);
    this.transport.send(q.frame, (err) => this.sent(q, first, err));
  }

  private sent(q: QueuedFrame, first: boolean, err: Error | null): void {
    if (err !== null) {
      this.sendFailed(q, err);
    } else {
      // Counted on its first successful send: a first send that failed (ENOBUFS,
      // ENOTCONN) and a resend that went are one frame sent.
      const counted = !q.counted;
      if (counted) {
        q.counted = true;
        this.stats.framesSent++;
        this.stats.recordsSent += q.records;
        this.stats.bytesSent += q.frame.length;
        this.ctx.counts.sent += q.records;
      }
      this.ctx.delivery.sent(q, first, counted);
    }
    // Last: a frame freed meanwhile gives its buffer back as its send ends.
    this.ctx.ledger.sendEnded(q);
  }

  private sendFailed(q: QueuedFrame, err: Error): void {
    this.stats.sendErrors++;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') this.health.tracker.refused();
    this.ctx.delivery.sendFailed(this, q, code);
    const text = `sending to ${this.spec.name} failed: ${err.message}`;
    this.warn(new ClientError('ERR_CLIENT_SEND', text, { cause: err }));
  }

  /** Stops waiting for a frame's ACK (its send failed); true if it was awaited. */
  forget(q: QueuedFrame): boolean {
    if (!this.rtx.forget(q.seq)) return false;
    this.rc.lost(q.frame.length);
    this.waitFrom();
    return true;
  }

  /**
   * Frames were given up: the wait for an ACK now dates from the oldest frame still
   * awaiting one (none: no wait). A lost ACK or a failed send must not make a healthy,
   * quiet server look like one that never ACKs.
   */
  waitFrom(): void {
    this.rc.ackWaitSince = this.rtx.oldestSentAt;
  }
}
