import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  ackedSeqs,
  KIND,
  pingV2,
  pongBody,
  type ReadFrame,
  readFrame,
  type Sealer,
} from '../../../test/support/wire-v2-bytes.js';

/** A client session as the spec describes one: a key, a suite, a random salt, pn from 0. */
export function clientSealer(key: Buffer, suite: 1 | 2 | 3 = 1): Sealer {
  return { key, suite, salt: randomBytes(16), pn: 0, direction: 1 };
}

/**
 * A UDP peer of one server that speaks the wire from the spec's byte builders, and reads
 * every reply with the spec's reader (sealed replies opened with `key`). Replies that do
 * not open are kept in `unreadable`.
 */
export class SpecPeer {
  readonly replies: ReadFrame[] = [];
  unreadable = 0;
  private waiters: (() => void)[] = [];
  private nextPing = 1;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    key: Buffer | undefined,
  ) {
    socket.on('message', (msg) => {
      try {
        this.replies.push(readFrame(msg, key));
      } catch {
        this.unreadable++;
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(port: number, key?: Buffer): Promise<SpecPeer> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 2 ** 20 });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new SpecPeer(socket, port, key);
  }

  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Waits (on arriving replies, never on a timer) until one matches; fails after `ms`. */
  async waitFor(match: (f: ReadFrame) => boolean, what: string, ms = 5000): Promise<ReadFrame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.replies.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no ${what} within ${ms} ms (${this.replies.length} replies, ${this.unreadable} unreadable)`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Sends a version 2 PING (sealed by `sealer`, or plain) and waits for its PONG. The server
   * handles datagrams in order, so every datagram sent before has been handled by then.
   * Resolves with the PONG, its body, and the server's boot (a sealed PONG's salt[0..8)).
   */
  async ping(sealer?: Sealer, sender = 0xbabe) {
    this.nextPing += 2;
    const id = this.nextPing;
    await this.send(pingV2(sender, id, sealer));
    const pong = await this.waitFor(
      (f) => f.kind === KIND.PONG && f.sender === sender && f.seq === id + 1,
      `PONG to ping ${id}`,
    );
    return { pong, body: pongBody(pong), boot: pong.salt?.subarray(0, 8) };
  }

  /** Every seq ACKed to `sender` so far. */
  acked(sender: number): number[] {
    return this.replies.filter((f) => f.kind === KIND.ACK && f.sender === sender).flatMap(ackedSeqs);
  }

  async waitForAcks(sender: number, seqs: number[], ms?: number): Promise<void> {
    await this.waitFor(
      () => {
        const got = new Set(this.acked(sender));
        return seqs.every((s) => got.has(s));
      },
      `ACKs of ${sender}:${seqs.length > 3 ? `${seqs[0]}..${seqs.at(-1)}` : seqs.join(',')}`,
      ms,
    );
  }

  count(kind: number): number {
    return this.replies.filter((f) => f.kind === kind).length;
  }

  close(): void {
    this.socket.close();
  }
}
