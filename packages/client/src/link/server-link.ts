import { randomInt } from 'node:crypto';
import { decodeFrame, Kind, ProtocolError } from '@clogs/protocol';
import type { Lane, QueuedFrame } from '../batch/lane.js';
import type { DownEvent, ServerState } from '../client-types.js';
import { newRateControl, type RateControl } from '../delivery/rate-control.js';
import { Retransmit } from '../delivery/retransmit.js';
import { ClientError } from '../errors.js';
import { AckWatch } from '../health/ack-watch.js';
import { downMessage, noAckDownMessage, openLoopMessage } from '../health/health-messages.js';
import { type HealthReason, type HealthState, PingTracker } from '../health/ping-tracker.js';
import type { ServerSpec } from '../server-spec.js';
import { Pacer } from '../transport/pacer.js';
import { UdpTransport } from '../transport/udp-transport.js';
import type { LinkContext } from './link-context.js';

/**
 * One server, as kafkajs' broker is one broker: its socket, its health (pings, ACKs),
 * its lane of queued frames, its window and pacer, its stats, and the sending to it.
 * It knows nothing of the other servers; the fleet decides what to do when it goes
 * down (re-route) and which records it gets.
 */
export class ServerLink {
  readonly transport: UdpTransport;
  readonly tracker: PingTracker;
  readonly lane: Lane;
  /** Frames awaiting their ACK, the ACK timeout. */
  private readonly rtx = new Retransmit();
  /** How much may be in flight, and how fast it goes. */
  private rc: RateControl;
  private readonly pacer: Pacer;
  private readonly acks: AckWatch;
  /** The open-loop warning was given. */
  private noAckWarned = false;
  /** Set by the fleet for a server added by setServers(): its first PONG changes the continuum. */
  onJoin: (() => void) | undefined;
  /** It left the fleet. */
  private closed = false;
  private readonly stats = { framesSent: 0, recordsSent: 0, bytesSent: 0, sendErrors: 0 };

  constructor(
    public spec: ServerSpec,
    initial: HealthState,
    private readonly ctx: LinkContext,
  ) {
    const o = ctx.o;
    this.lane = ctx.budget.newLane();
    this.tracker = new PingTracker(o.failureLimit, randomInt(2 ** 32), initial);
    this.rc = newRateControl(this.ctx.o);
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

  /** In the continuum: not down, and not out for sending no ACKs. */
  get inRing(): boolean {
    return this.tracker.state !== 'down' && this.acks.outUntil === 0;
  }

  /** Judges the last PING and sends the next; true when the server went up or down. */
  probe(now: number): boolean {
    if (this.closed) return false;
    const verdict = this.tracker.tick(now);
    if (verdict.change === 'up')
      this.ctx.events.emit('up', { server: this.spec.name, reason: verdict.reason });
    if (verdict.change === 'down') {
      const at = `${this.transport.address ?? this.spec.host}:${this.spec.port}`;
      const reason = verdict.reason as HealthReason;
      this.down(reason, downMessage(reason, at, this.tracker, this.ctx.key !== undefined));
      void this.transport.refresh();
    }
    if (this.transport.ready) {
      const ping = Buffer.from(this.ctx.ping.encode(this.ctx.sender, verdict.pingId));
      this.transport.send(ping, (err) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED') this.tracker.refused();
      });
    } else {
      void this.transport.refresh();
    }
    return verdict.change !== undefined;
  }

  /** Checks whether the server ACKs (see {@link AckWatch}); true when it left or rejoined the continuum. */
  judgeAcks(now: number): boolean {
    const verdict = this.acks.judge(now, this.tracker, this.rc);
    if (verdict === undefined) return false;
    if (verdict === 'retry') {
      this.rc = newRateControl(this.ctx.o);
      if (!this.inRing) return false;
      this.ctx.events.emit('up', { server: this.spec.name, reason: 'retry' });
      return true;
    }
    if (verdict === 'open-loop') {
      this.takeUnacked(); // at-most-once: forgets them, frees nothing
      this.ctx.scheduler.armPump(0);
      if (!this.noAckWarned) {
        this.noAckWarned = true;
        this.warn(new ClientError('ERR_CLIENT_NO_ACK', openLoopMessage(this.spec.name, this.acks.silentMs)));
      }
      return false;
    }
    const message = noAckDownMessage(this.acks.silentMs);
    this.down('no-ack', message);
    this.warn(new ClientError('ERR_CLIENT_NO_ACK', `${this.spec.name} ${message}`));
    return true;
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
    if (this.lane.queue.length === 0 || !this.transport.ready || !this.tracker.up || this.acks.outUntil > 0) {
      return Number.POSITIVE_INFINITY;
    }
    const { o, budget } = this.ctx;
    const { pacer, rc, lane } = this;
    const openLoop = this.acks.openLoop;
    const rate = openLoop ? 0 : rc.pacingRate;
    // No estimate yet (or open loop): the pace setting; then the measured rate, unbounded in datagrams.
    if (rate === 0) pacer.setRate(o.paceBytesPerMs, o.paceFramesPerMs);
    else pacer.setRate(rate, Number.POSITIVE_INFINITY);
    pacer.refill(now);
    while (pacer.open && this.mayTake()) {
      const q = lane.shift();
      if (q === undefined) break;
      pacer.take(q.frame.length);
      if (!openLoop) {
        // Registered before the send: on loopback the ACK can beat the send's callback.
        this.rtx.sending(q, now, rc.sent(q.frame.length, now, lane.queue.length === 0));
        if (o.atLeastOnce) budget.awaitAck(q);
      }
      this.transmit(q, true);
    }
    return lane.queue.length > 0 && this.mayTake() ? pacer.waitMs() : Number.POSITIVE_INFINITY;
  }

  /** It can send now (connected, first answer, window reopened): what its pacer allows goes. */
  private sendNow(): void {
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
    for (const q of taken) this.ctx.budget.releaseUnacked(q);
    return taken;
  }

  /** What `stats().servers[i]` shows. */
  state(share: number): ServerState {
    const { spec, tracker, rtx, rc, acks } = this;
    return {
      name: spec.name,
      host: spec.host,
      port: spec.port,
      address: this.transport.address,
      weight: spec.weight,
      state: acks.outUntil > 0 ? 'down' : tracker.state,
      up: tracker.up && acks.outUntil === 0,
      misses: tracker.misses,
      rttMs: tracker.rttMs,
      share,
      queuedRecords: this.lane.queuedRecords + this.lane.openRecords,
      ...this.stats,
      framesAcked: rtx.acked,
      framesResent: rtx.resent,
      unacked: rtx.unacked.size,
      rtoMs: rtx.rtoMs,
      flow: acks.openLoop ? 'open-loop' : 'acked',
      flowMode: rc.mode,
      deliveryRate: rc.btlBw,
      minRttMs: rc.minRttMs === Number.POSITIVE_INFINITY ? undefined : rc.minRttMs,
      windowBytes: rc.cwnd,
      inflightBytes: rc.inflight,
      window: Math.floor(rc.cwnd / this.ctx.o.maxDatagramBytes),
    };
  }

  close(): void {
    this.closed = true;
    this.transport.close();
  }

  private onMessage(msg: Buffer): void {
    let frame: ReturnType<typeof decodeFrame>;
    try {
      frame = decodeFrame(msg, { key: this.ctx.key });
    } catch (err) {
      if (err instanceof ProtocolError) return; // not ours, or forged: ignored
      throw err;
    }
    if (frame.sender !== this.ctx.sender) return;
    const now = performance.now();
    if (frame.kind === Kind.PONG) {
      const before = this.tracker.state;
      if (!this.tracker.pong(frame.seq, now) || before === 'up' || !this.tracker.up) return;
      // Its first answer. Probing, it was in the continuum already: what was routed to it
      // can go. Joining, it enters the continuum now and takes its share.
      if (before === 'down') {
        this.ctx.events.emit('up', { server: this.spec.name, reason: 'pong' });
        this.onJoin?.();
      }
      this.sendNow();
    } else if (frame.kind === Kind.ACK) {
      this.onAck(frame.seq, now);
    }
  }

  private onAck(seq: number, now: number): void {
    // It ACKs: a measured flow from here, from a fresh start.
    if (this.acks.acked()) this.rc = newRateControl(this.ctx.o);
    const u = this.rtx.ack(seq, now);
    if (u === undefined) return; // a repeat, or for a frame already re-routed or expired
    const q = u.q;
    this.rc.acked(q.frame.length, u.sample, u.tries === 1 ? now - u.sentAt : undefined, now);
    // At-most-once the frame was released when sent: the ACK is a rate signal.
    const { o, budget } = this.ctx;
    if (o.atLeastOnce) {
      this.ctx.scheduler.progress(now);
      this.ctx.counts.acked += q.records;
      budget.releaseUnacked(q);
      budget.settled();
    }
    if (this.lane.queue.length > 0) this.ctx.scheduler.armPump(0);
  }

  /** The server may take another frame: open loop, or room in its window and its dedupe spread. */
  private mayTake(): boolean {
    return this.acks.openLoop || (this.rc.open() && this.rtx.open);
  }

  /** One send of a frame (its first, or a resend); its buffer stays put until the callback. */
  private transmit(q: QueuedFrame, first: boolean): void {
    this.ctx.budget.sendStarted(q);
    this.transport.send(q.frame, (err) => this.sent(q, first, err));
  }

  private sent(q: QueuedFrame, first: boolean, err: Error | null): void {
    const { o, budget } = this.ctx;
    budget.sendEnded(q);
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
    if (err === null && !o.atLeastOnce && first) budget.release(q);
    budget.settled();
  }

  private sendFailed(q: QueuedFrame, err: Error): void {
    const { o, budget, drops } = this.ctx;
    this.stats.sendErrors++;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') this.tracker.refused();
    // At-most-once the records are gone. At-least-once the frame is resent on its
    // timeout, unless it can never go (too big for the path): then it is given up too.
    if (!o.atLeastOnce) {
      this.forget(q);
      budget.release(q);
      drops.drop('send_failed', q.records);
    } else if (code === 'EMSGSIZE' && this.forget(q)) {
      budget.releaseUnacked(q);
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

  private down(reason: HealthReason, message: string): void {
    this.ctx.events.emit('down', { server: this.spec.name, reason, message } satisfies DownEvent);
  }

  private warn(err: ClientError): void {
    // 'warning', not 'error': an 'error' event would reject a caller's `await once(clogs,
    // 'drain')` (events.once listens for 'error'), and an unheard one would crash the app.
    this.ctx.events.emit('warning', err);
  }
}
