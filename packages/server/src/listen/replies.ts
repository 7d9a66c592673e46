import type { RemoteInfo, Socket } from 'node:dgram';
import { ControlFrameEncoder, encodeAck, encodePong, Kind, type SealSession } from '@clogs/protocol';
import { ServerError } from '../errors.js';
import type { Faults } from '../options.js';
import type { ServerCounters } from '../stats.js';
import { AckBatcher } from './ack-batcher.js';

/** Whom a reply goes to, and how it is made: the version and sealing of the frame it answers. */
export interface Answer {
  to: RemoteInfo;
  sender: number;
  version: number;
  /** The server's session for the frame's key and suite; undefined: a plain reply. */
  session: SealSession | undefined;
  /** The first 8 bytes of the client's salt (a copy), for a sealed reply. */
  peer: Buffer | undefined;
  /** ACKs of one group go in one datagram: the client session and its address. */
  group: string;
}

export interface RepliesOptions {
  /** The replay window a PONG announces; an ACK range spans less. */
  window: number;
  /** Version 1 replies are signed with this key (`--accept-v1`), else plain. */
  v1Key: Buffer | undefined;
  counters: ServerCounters;
  faults: () => Faults;
  warn: (err: ServerError) => void;
}

/**
 * Sends PONGs and ACKs; never throws. Version 1 frames get version 1 replies at once;
 * the ACKs due to one version 2 client session within one event-loop turn go out as
 * one ACK of ranges, sealed as the frames they answer were.
 */
export class Replies {
  private readonly v1Pong: ControlFrameEncoder;
  private readonly v1Ack: ControlFrameEncoder;
  private readonly batcher: AckBatcher<Answer>;
  /** ACKs held back by the ackDelayMs fault: sent at close() rather than lost. */
  private readonly delayed = new Set<{ timer: NodeJS.Timeout | undefined; send: () => void }>();
  private sending = 0;
  private onSendsDone: (() => void) | undefined;
  private closed = false;
  /** One callback for every send, made once. */
  private readonly sent = (err: Error | null) => {
    if (err !== null) {
      this.o.counters.unanswerable++;
      this.o.warn(new ServerError('ERR_SERVER_SOCKET', `a reply failed: ${err.message}`, { cause: err }));
    }
    if (--this.sending === 0) this.onSendsDone?.();
  };

  constructor(
    private readonly socket: Socket,
    private readonly o: RepliesOptions,
  ) {
    this.v1Pong = new ControlFrameEncoder(Kind.PONG, o.v1Key);
    this.v1Ack = new ControlFrameEncoder(Kind.ACK, o.v1Key);
    this.batcher = new AckBatcher(o.window, (a, ranges, n, seqs) => {
      if (this.sendFrame(() => encodeAck(a.sender, ranges, n, a.session, a.peer), a.to)) {
        this.o.counters.acks += seqs;
        this.o.counters.ackDatagrams++;
      }
    });
  }

  /** Answers the PING `pingId`: version 1 bare, version 2 with the status and the window. */
  pong(a: Answer, pingId: number, status: number): void {
    const seq = (pingId + 1) >>> 0;
    if (a.version === 1) {
      this.sendFrame(() => Buffer.from(this.v1Pong.encode(a.sender, seq)), a.to);
      return;
    }
    this.sendFrame(
      () => encodePong(a.sender, seq, { status, window: this.o.window }, a.session, a.peer),
      a.to,
    );
  }

  /** ACKs the LOG frame `seq` (late or never under the ackDelayMs and noAck faults). */
  ack(a: Answer, seq: number): void {
    const faults = this.o.faults();
    if (faults.noAck) return;
    if (faults.ackDelayMs === 0) {
      this.ackNow(a, seq);
      return;
    }
    const late = {
      timer: undefined as NodeJS.Timeout | undefined,
      send: () => {
        this.delayed.delete(late);
        this.ackNow(a, seq);
      },
    };
    late.timer = setTimeout(late.send, faults.ackDelayMs).unref();
    this.delayed.add(late);
  }

  private ackNow(a: Answer, seq: number): void {
    if (a.version !== 1) {
      this.batcher.add(a.group, a, seq);
      return;
    }
    if (this.sendFrame(() => Buffer.from(this.v1Ack.encode(a.sender, seq)), a.to)) {
      this.o.counters.acks++;
      this.o.counters.ackDatagrams++;
    }
  }

  /** Sends what is held back and waits for every send; later replies are dropped. */
  async close(): Promise<void> {
    for (const late of this.delayed) {
      clearTimeout(late.timer);
      late.send();
    }
    this.batcher.flush();
    if (this.sending > 0) await new Promise<void>((resolve) => (this.onSendsDone = resolve));
    this.closed = true;
  }

  /** Sends one reply; false when it could not be sent (counted as unanswerable). */
  private sendFrame(encode: () => Buffer, to: RemoteInfo): boolean {
    if (this.closed) return false;
    // Port 0 cannot be answered, and Node's send would throw on it.
    if (to.port === 0) {
      this.o.counters.unanswerable++;
      return false;
    }
    try {
      // A buffer per reply: a send the kernel cannot take at once is queued by reference.
      this.socket.send(encode(), to.port, to.address, this.sent);
      this.sending++;
      return true;
    } catch (err) {
      this.o.counters.unanswerable++;
      this.o.warn(
        new ServerError('ERR_SERVER_SOCKET', `cannot answer ${to.address}:${to.port}`, { cause: err }),
      );
      return false;
    }
  }
}
