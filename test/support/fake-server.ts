import { createHmac } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import {
  decodeFrame,
  encodeAck,
  type FrameKey,
  KeyRing,
  Kind,
  ProtocolError,
  SealSession,
  Suite,
} from '@clogs/protocol';

/** Another client's boot. */
const OTHER_PEER = Buffer.from('0123456789abcdef', 'hex');

/**
 * A stand-in server for what a real one cannot be made to do at will (say CANNOT_WRITE,
 * speak only version 1, restart in the middle of a datagram stream).
 *
 * `version: 1` answers version 1 PINGs only, as a server not yet upgraded: its PONG is
 * built byte by byte from docs/protocol.md (with the version 1 HMAC trailer when given a
 * key), and version 2 frames are refused without a word. `version: 2` answers version 2
 * PINGs with a PONG whose status is `status` (built byte by byte in clear; sealed with
 * its session when it has a key), keeps the records of the LOG frames it can open and,
 * with `ack`, ACKs them (one range per frame). `restart()` draws a new boot.
 */
export class FakeServer {
  /** PONG status (version 2): 0 READY, 1 CANNOT_WRITE. */
  status = 0;
  ack = false;
  readonly pings = { v1: 0, v2: 0 };
  /** Every LOG datagram received, as it came. */
  readonly logs: Buffer[] = [];
  /** The messages of the LOG frames that opened (keyed: sealed for this boot). */
  readonly messages: string[] = [];
  /** Sealed LOG frames refused (not for this boot, or not opening). */
  refused = 0;
  name = '';
  misbind: 'pong' | 'ack' | undefined;
  private session: SealSession | undefined;
  private readonly keys: KeyRing | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly version: 1 | 2,
    private readonly key: FrameKey | undefined,
  ) {
    this.keys = key === undefined ? undefined : new KeyRing([key]);
    this.restart();
    socket.on('message', (msg, from) => this.onMessage(msg, from));
  }

  static async start(o: {
    version: 1 | 2;
    status?: number;
    key?: FrameKey;
    ack?: boolean;
    port?: number;
    /** Its name in the client's server spec (default `fake-v1` / `fake-v2`). */
    name?: string;
    /** Seal its PONGs or its ACKs (with the key) for another client's salt, as a replay from another client would be. */
    misbind?: 'pong' | 'ack';
  }): Promise<FakeServer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(o.port ?? 0, '127.0.0.1', resolve));
    const s = new FakeServer(socket, o.version, o.key);
    s.status = o.status ?? 0;
    s.ack = o.ack ?? false;
    s.name = o.name ?? `fake-v${o.version}`;
    s.misbind = o.misbind;
    return s;
  }

  get port(): number {
    return this.socket.address().port;
  }

  get spec(): string {
    return `127.0.0.1:${this.port} ${this.name}`;
  }

  /** A new boot: frames sealed for the last one are refused from now on. */
  restart(): void {
    if (this.key !== undefined) {
      this.session = new SealSession({ key: this.key, suite: Suite.CHACHA20_POLY1305, direction: 'server' });
    }
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(msg: Buffer, from: RemoteInfo): void {
    if (msg.length < 16 || msg[0] !== 0x43 || msg[1] !== 0x4c) return;
    const version = msg[2];
    const kind = msg[3];
    if (kind === Kind.LOG && version === this.version) {
      this.logs.push(Buffer.from(msg));
      if (version === 2) this.onLog(msg, from);
    }
    if (kind !== Kind.PING) return;
    if (version === 1) this.pings.v1++;
    if (version === 2) this.pings.v2++;
    if (version !== this.version) return;
    const reply = version === 1 ? this.v1Pong(msg) : this.v2Pong(msg);
    this.socket.send(reply, from.port, from.address);
  }

  private onLog(msg: Buffer, from: RemoteInfo): void {
    let peer: Buffer | undefined;
    try {
      const frame = decodeFrame(msg, { keys: this.keys, boot: this.session?.boot, copy: true });
      peer = frame.salt?.subarray(0, 8);
      for (const r of frame.records) this.messages.push(Buffer.from(r.msg).toString());
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.refused++;
      return;
    }
    if (!this.ack) return;
    const seq = msg.readUInt32BE(12);
    const sender = msg.readUInt32BE(8);
    const bound = this.misbind === 'ack' ? OTHER_PEER : peer;
    this.socket.send(encodeAck(sender, [seq, seq], 1, this.session, bound), from.port, from.address);
  }

  /** Header: magic, version 1, kind 3 (PONG), flags (AUTH with a key), zero, count 0, sender, ping id + 1. */
  private v1Pong(ping: Buffer): Buffer {
    const auth = this.key !== undefined;
    const out = Buffer.alloc(16 + (auth ? 16 : 0));
    out.set([0x43, 0x4c, 1, 3, auth ? 0b10 : 0, 0, 0, 0]);
    ping.copy(out, 8, 8, 12);
    out.writeUInt32BE((ping.readUInt32BE(12) + 1) >>> 0, 12);
    if (auth) createHmac('sha256', this.key!.bytes).update(out.subarray(0, 16)).digest().copy(out, 16, 0, 16);
    return out;
  }

  /**
   * Header (version 2, kind 3, suite 0), then the body: status, caps 0, zero u16, window
   * u32; with a key laid out header | seal block | body | tag and sealed for the PING's salt.
   */
  private v2Pong(ping: Buffer): Buffer {
    const sealed = this.session !== undefined;
    const at = sealed ? 52 : 16;
    const out = Buffer.alloc(at + 8 + (sealed ? 16 : 0));
    out.set([0x43, 0x4c, 2, 3, 0, 0, 0, 0]);
    ping.copy(out, 8, 8, 12);
    out.writeUInt32BE((ping.readUInt32BE(12) + 1) >>> 0, 12);
    out[at] = this.status;
    out.writeUInt32BE(16_384, at + 4);
    // The PING's salt (bytes 20..36 of a sealed PING): the PONG's peer is its first 8 bytes.
    if (sealed) this.session!.seal(out, this.misbind === 'pong' ? OTHER_PEER : ping.subarray(20, 28));
    return out;
  }
}
