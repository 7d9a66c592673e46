import { type FrameHeader, forEachAckRange, ProtocolError } from '@clogs/protocol';
import type { Lane, QueuedFrame } from '../batch/lane.js';
import { newRateControl, type RateControl } from '../delivery/rate-control.js';
import { AckBatch, Retransmit } from '../delivery/retransmit.js';
import { ClientError } from '../errors.js';
import { AckWatch } from '../health/ack-watch.js';
import type { PingTracker } from '../health/ping-tracker.js';
import type { ServerSpec } from '../server-spec.js';
import { Pacer } from '../transport/pacer.js';
import { UdpTransport } from '../transport/udp-transport.js';
import type { LinkContext } from './link-context.js';

/**
 * The sending half of a {@link ServerLink}: its lane of queued frames, its window, pacer
 * and retransmission, the ACKs that release frames, and the sends themselves with
 * their stats. Whether the server may be sent records now is the link's to say
 * ({@link taking}), from its health.
 */
export abstract class LinkSender {
  readonly transport: UdpTransport;
  readonly lane: Lane;
  /** Frames awaiting their ACK, the ACK timeout. */
  protected readonly rtx = new Retransmit();
  /** How much may be in flight, and how fast it goes. */
  protected rc: RateControl;
  protected readonly pacer: Pacer;
  protected readonly acks: AckWatch;
  /** With a key: the server's boot (the first 8 bytes of its salt), from its last PONG. */
  protected boot: Buffer | undefined;
  /** What the ACK datagram being read acknowledges. */
  private readonly batch = new AckBatch();
  private readonly onRange = (first: number, last: number) => this.rtx.ackRange(first, last, this.batch);
  protected readonly stats = { framesSent: 0, recordsSent: 0, bytesSent: 0, sendErrors: 0 };

  constructor(
    public spec: ServerSpec,
    readonly tracker: PingTracker,
    protected readonly ctx: LinkContext,
  ) {
    const o = ctx.o;
    this.lane = ctx.ledger.newLane();
    this.rc = newRateControl(o);
    this.pacer = new Pacer(o.paceBytesPerMs, o.paceFramesPerMs, performance.now());
    this.acks = new AckWatch(o.atLeastOnce, o.failureLimit * o.pingIntervalMs);
    const name = spec.name;
    this.transport = new UdpTransport(
      spec,
      {
        message: (msg) => this.onMessage(msg),
        ready: () => this.sendNow(),
        refused: () => this.tracker.refused(),
        dnsFailed: (err) =>
          this.warn(new ClientError('ERR_CLIENT_DNS', `${name}: ${err.message}`, { cause: err })),
        socketFailed: (err) =>
          this.warn(new ClientError('ERR_CLIENT_SOCKET', `${name}: ${err.message}`, { cause: err })),
      },
      ctx.sockets,
    );
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
    if (this.lane.queue.length === 0 || !this.transport.ready || !this.taking) {
      return Number.POSITIVE_INFINITY;
    }
    const { o, ledger } = this.ctx;
    const { pacer, rc, lane } = this;
    const openLoop = this.acks.openLoop;
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
        if (o.atLeastOnce) ledger.awaitAck(q);
      }
      this.transmit(q, true);
    }
    return lane.queue.length > 0 && this.mayTake() ? pacer.waitMs() : Number.POSITIVE_INFINITY;
  }

  /** It can send now (connected, first answer, window reopened): what its pacer allows goes. */
  protected sendNow(): void {
    const ms = this.pump(performance.now());
    if (ms !== Number.POSITIVE_INFINITY) this.ctx.scheduler.armPump(Math.max(1, Math.ceil(ms)));
  }

  /**
   * Every tick: at-least-once, resends frames whose timeout passed (while the server is
   * up); at-most-once, gives up waiting for their ACKs. A timeout shrinks the window only
   * when no ACK at all came since the frame went out (see {@link RateControl}).
   */
  resendDue(now: number): void {
    if (!this.tracker.up || this.rtx.unacked.size === 0) return;
    const rc = this.rc;
    if (!this.ctx.o.atLeastOnce) {
      const before = this.rtx.unacked.size;
      this.rtx.expire(now, (u) => {
        rc.lost(u.q.frame.length);
        rc.timedOut(u.sentAt);
      });
      if (this.rtx.unacked.size !== before) {
        this.waitFrom();
        this.sendNow();
      }
      return;
    }
    for (const u of this.rtx.due(now, (sentAt) => rc.timedOut(sentAt))) {
      rc.resent(u.q.frame.length);
      this.pacer.take(u.q.frame.length);
      this.transmit(u.q, false);
    }
  }

  /**
   * Takes the frames awaiting an ACK out (the server went down, or the client gives up):
   * at-least-once their memory is freed and they are returned, for re-routing or
   * counting; at-most-once they were the network's already.
   */
  takeUnacked(): QueuedFrame[] {
    const taken = this.rtx.takeAll();
    this.rc.clearInflight();
    if (!this.ctx.o.atLeastOnce) return [];
    // Freed without a drain or idle check: the caller re-routes them or gives them up.
    for (const q of taken) this.ctx.ledger.freeUnfinished(q);
    return taken;
  }

  /**
   * The server started a new boot: at-least-once, every frame it has not ACKed is
   * resealed for it (see {@link FrameSealer.reseal}) and sent again now. At-most-once
   * they were the network's.
   */
  protected resendForNewBoot(now: number): void {
    if (!this.ctx.o.atLeastOnce || this.rtx.unacked.size === 0) return;
    for (const u of this.rtx.resendAll(now)) {
      this.ctx.sealer.reseal(u.q, this.boot!);
      this.rc.resent(u.q.frame.length);
      this.pacer.take(u.q.frame.length);
      this.transmit(u.q, false);
    }
  }

  /**
   * One ACK datagram, however many frames its ranges cover: the frames are taken out one
   * by one, the books (rate control, RTT, progress, the ledger's drain check) are kept
   * once for all of them.
   */
  protected onAck(msg: Buffer, header: FrameHeader, now: number): void {
    // It ACKs: a measured flow from here, from a fresh start.
    if (this.acks.acked()) this.rc = newRateControl(this.ctx.o);
    const b = this.batch;
    b.reset();
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
    // At-most-once the frames were released when sent: the ACK is a rate signal.
    if (this.ctx.o.atLeastOnce) {
      this.ctx.scheduler.progress(now);
      this.ctx.counts.acked += b.records;
      this.ctx.ledger.freeAll(b.frames);
    }
    b.frames.length = 0;
    if (this.lane.queue.length > 0) this.ctx.scheduler.armPump(0);
  }

  /** The server may take another frame: open loop, or room in its window and its replay window. */
  private mayTake(): boolean {
    const next = this.lane.queue[0];
    return this.acks.openLoop || (this.rc.open() && (next === undefined || this.rtx.open(next.seq)));
  }

  /** One send of a frame (its first, or a resend); its buffer stays put until the callback. */
  protected transmit(q: QueuedFrame, first: boolean): void {
    this.ctx.ledger.sendStarted(q);
    this.transport.send(q.frame, (err) => this.sent(q, first, err));
  }

  private sent(q: QueuedFrame, first: boolean, err: Error | null): void {
    const { o, ledger } = this.ctx;
    if (err !== null) {
      this.sendFailed(q, err);
    } else if (!q.counted) {
      // Counted on its first successful send: at-least-once, a first send that failed
      // (ENOBUFS, ENOTCONN) and a resend that went are one frame sent.
      q.counted = true;
      this.stats.framesSent++;
      this.stats.recordsSent += q.records;
      this.stats.bytesSent += q.frame.length;
      this.ctx.counts.sent += q.records;
      if (!o.atLeastOnce) this.ctx.scheduler.progress(performance.now());
    }
    // At-most-once a sent frame is done with; at-least-once it is held until its ACK.
    if (err === null && !o.atLeastOnce && first) ledger.free(q);
    // Last: a frame freed above gives its buffer back as its send ends.
    ledger.sendEnded(q);
  }

  private sendFailed(q: QueuedFrame, err: Error): void {
    const { o, ledger, drops } = this.ctx;
    this.stats.sendErrors++;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') this.tracker.refused();
    // At-most-once the records are gone. At-least-once the frame is resent on its
    // timeout, unless it can never go (too big for the path): then it is given up too.
    if (!o.atLeastOnce) {
      this.forget(q);
      ledger.free(q);
      drops.drop('send_failed', q.records);
    } else if (code === 'EMSGSIZE' && this.forget(q)) {
      ledger.free(q);
      drops.drop('send_failed', q.records);
    }
    const text = `sending to ${this.spec.name} failed: ${err.message}`;
    this.warn(new ClientError('ERR_CLIENT_SEND', text, { cause: err }));
  }

  /** Stops waiting for a frame's ACK (its send failed); true if it was awaited. */
  private forget(q: QueuedFrame): boolean {
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
  private waitFrom(): void {
    this.rc.ackWaitSince = this.rtx.oldestSentAt;
  }
}
