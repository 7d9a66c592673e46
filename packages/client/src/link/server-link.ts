import { randomInt } from 'node:crypto';
import {
  BOOT_BYTES,
  decodePong,
  encodePing,
  type FrameHeader,
  Kind,
  Suite,
  VERSION_1,
} from '@clogs/protocol';
import type { DownEvent, ServerState } from '../client-types.js';
import { Retransmit } from '../delivery/retransmit.js';
import { ClientError } from '../errors.js';
import {
  cannotWriteMessage,
  downMessage,
  noAckDownMessage,
  openLoopMessage,
  versionMessage,
} from '../health/health-messages.js';
import { LinkHealth } from '../health/link-health.js';
import type { HealthReason, HealthState } from '../health/ping-tracker.js';
import type { ServerSpec } from '../server-spec.js';
import type { LinkContext } from './link-context.js';
import { LinkSender } from './link-sender.js';

/** What an idle server's stats show: a flow with nothing sent (read, never written). */
const IDLE_RTX = new Retransmit();

/**
 * One server, as kafkajs' broker is one broker: its health (pings and PONGs, the version
 * it speaks, whether it can write, whether it ACKs), what its replies say, and through
 * {@link LinkSender} its lane, window, pacer and the sending to it. It knows nothing of
 * the other servers; the fleet decides what to do when it goes down (re-route) and
 * which records it gets.
 */
export class ServerLink extends LinkSender {
  /** The open-loop warning was given. */
  private noAckWarned = false;
  /** Set by the fleet for a server added by setServers(): its first PONG changes the continuum. */
  onJoin: (() => void) | undefined;
  /** It left the fleet. */
  private closed = false;

  constructor(spec: ServerSpec, initial: HealthState, ctx: LinkContext) {
    super(spec, new LinkHealth(ctx.o, ctx.delivery.ackPolicy, randomInt(2 ** 32), initial), ctx);
  }

  /** In the continuum: not down, not out for sending no ACKs, and it speaks version 2 and can write. */
  get inRing(): boolean {
    return this.health.inRing;
  }

  protected get taking(): boolean {
    return this.health.up;
  }

  /** Judges the last PING and sends the next; true when the server went up or down. */
  probe(now: number): boolean {
    if (this.closed) return false;
    const verdict = this.health.tracker.tick(now);
    // Out for what its PONGs say (version 1, cannot write): that was said when it was seen.
    const said = this.health.wire.out !== undefined;
    if (verdict.change === 'up' && !said) this.up(verdict.reason as HealthReason);
    if (verdict.change === 'down') {
      const reason = verdict.reason as HealthReason;
      if (!said) this.down(reason, downMessage(reason, this.at, this.health.tracker, this.sealing));
      void this.transport.refresh();
    }
    if (this.transport.ready) {
      const { sender, session } = this.ctx;
      // A closure a ping, not one kept a server: idle servers hold none.
      const sent = (err: Error | null) => this.pingSent(err);
      this.transport.send(encodePing(sender, verdict.pingId, session), sent);
      // No version 2 PING answered yet: a version 1 one tells a server that must be upgraded.
      if (this.health.wire.pingV1()) {
        this.transport.send(Buffer.from(this.ctx.pingV1.encode(sender, verdict.pingId)), sent);
      }
    } else {
      void this.transport.refresh();
    }
    return verdict.change !== undefined;
  }

  /** Checks whether the server ACKs (see {@link AckWatch}); true when it left or rejoined the continuum. */
  judgeAcks(now: number): boolean {
    const verdict = this.health.judgeAcks(now, this.rcIfAny);
    if (verdict === undefined) return false;
    if (verdict === 'retry') return this.rejoin('retry');
    if (verdict === 'open-loop') {
      this.takeUnacked(); // at-most-once: forgets them, frees nothing
      this.ctx.scheduler.armPump(0);
      if (!this.noAckWarned) {
        this.noAckWarned = true;
        this.warn(
          new ClientError('ERR_CLIENT_NO_ACK', openLoopMessage(this.spec.name, this.health.acks.silentMs)),
        );
      }
      return false;
    }
    const message = noAckDownMessage(this.health.acks.silentMs);
    this.down('no-ack', message);
    this.warn(new ClientError('ERR_CLIENT_NO_ACK', `${this.spec.name} ${message}`));
    return true;
  }

  /** Back from out for sending no ACKs (its time is over, or it ACKed after all): a fresh flow; true when back in the continuum. */
  private rejoin(reason: 'retry' | 'ack'): boolean {
    this.restartFlow();
    if (!this.inRing) return false;
    this.up(reason);
    return true;
  }

  /** What `stats().servers[i]` shows. */
  state(share: number): ServerState {
    const { spec, health } = this;
    const { tracker } = health;
    // An idle server has no flow yet: a fresh one's figures, made for this answer only.
    const rtx = this.rtxIfAny ?? IDLE_RTX;
    const rc = this.rcIfAny ?? this.newRc(performance.now());
    const lane = this.laneIfAny;
    return {
      name: spec.name,
      host: spec.host,
      port: spec.port,
      address: this.transport.address,
      weight: spec.weight,
      state: health.state,
      up: health.up,
      downReason: health.downReason,
      misses: tracker.misses,
      rttMs: tracker.rttMs,
      share,
      queuedRecords: lane === undefined ? 0 : lane.queuedRecords + lane.openRecords,
      ...this.stats,
      framesAcked: rtx.acked,
      framesResent: rtx.resent,
      unacked: rtx.unacked.size,
      rtoMs: rtx.rtoMs,
      flow: health.acksIfAny?.openLoop ? 'open-loop' : 'acked',
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

  protected onMessage(msg: Buffer): void {
    const header = this.ctx.replies.read(msg);
    if (header === undefined) return;
    const now = performance.now();
    if (header.kind === Kind.ACK) {
      if (this.health.acks.ackedWhileOut() && this.rejoin('ack')) this.ctx.ringChanged();
      this.onAck(msg, header, now);
    } else if (header.version === VERSION_1) this.onV1Pong(header.seq);
    else this.onPong(msg, header, now);
  }

  private onPong(msg: Buffer, header: FrameHeader, now: number): void {
    const before = this.health.tracker.state;
    if (!this.health.tracker.pong(header.seq, now)) return;
    const pong = decodePong(msg, header);
    this.setReplayWindow(pong.window);
    if (this.health.tracker.rttMs !== undefined) this.setPingRtt(this.health.tracker.rttMs);
    if (header.suite !== Suite.PLAIN) this.learnBoot(header.salt!, now);
    const change = this.health.wire.pong(pong.status);
    if (change === 'out') {
      this.down('cannot-write', cannotWriteMessage(this.at));
      this.ctx.ringChanged();
      return;
    }
    if (change === 'in') {
      // Ready again (or a version 2 server after all). Down for missed pings, it comes back at the tick.
      if (!this.health.tracker.up) return;
      this.up('pong');
      this.ctx.ringChanged();
      this.sendNow();
      return;
    }
    if (this.health.wire.out !== undefined || before === 'up' || !this.health.tracker.up) return;
    // Its first answer. Probing, it was in the continuum already: what was routed to it
    // can go. Joining, it enters the continuum now and takes its share.
    if (before === 'down') {
      this.up('pong');
      this.onJoin?.();
    }
    this.sendNow();
  }

  /** A version 1 PONG to the PING in flight: a server that speaks only version 1 is sent nothing. */
  private onV1Pong(seq: number): void {
    if (seq !== (this.health.tracker.currentPingId + 1) >>> 0 || this.health.wire.v1Pong() !== 'out') return;
    this.down('version', versionMessage(this.at));
    this.ctx.ringChanged();
  }

  /**
   * A PONG from a server whose boot is new (it restarted, or started a new epoch): it
   * refuses frames bound to the old one, so they are resealed and sent again.
   */
  private learnBoot(salt: Buffer, now: number): void {
    const boot = salt.subarray(0, BOOT_BYTES);
    if (this.boot === undefined) {
      this.boot = Buffer.from(boot);
      return;
    }
    if (this.boot.equals(boot)) return;
    boot.copy(this.boot);
    this.resendForNewBoot(now);
  }

  private pingSent(err: Error | null): void {
    if ((err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED') this.health.tracker.refused();
  }

  /** How this client seals, for messages. */
  private get sealing(): 'none' | 'sealed' | 'integrity-only' {
    const suite = this.ctx.session?.suite;
    return suite === undefined
      ? 'none'
      : suite === Suite.CHACHA20_POLY1305_AUTH_ONLY
        ? 'integrity-only'
        : 'sealed';
  }

  /** Where it is, for messages: its address once resolved. */
  private get at(): string {
    return `${this.transport.address ?? this.spec.host}:${this.spec.port}`;
  }

  private down(reason: HealthReason, message: string): void {
    this.health.downReason = reason;
    this.ctx.events.emit('down', { server: this.spec.name, reason, message } satisfies DownEvent);
  }

  private up(reason: HealthReason): void {
    this.health.downReason = undefined;
    this.ctx.events.emit('up', { server: this.spec.name, reason });
  }
}
