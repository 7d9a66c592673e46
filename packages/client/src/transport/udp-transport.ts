import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { ServerSpec } from '../server-spec.js';

export interface TransportHandlers {
  /** A datagram from the server (PONG, ACK). */
  message(msg: Buffer): void;
  /** A socket-level error: ECONNREFUSED (ICMP port unreachable), a DNS failure, ... */
  error(err: NodeJS.ErrnoException): void;
  /** The socket is connected (again): frames that waited for it can go. */
  ready(): void;
}

/**
 * One server's socket: connected (a send skips the route lookup, and only a connected
 * socket hears ICMP port-unreachable), unref'd (an idle client never keeps a process
 * alive). The name is resolved once, and again on `refresh()` (a timer, or trouble),
 * never per send.
 */
export class UdpTransport {
  address: string | undefined;
  private socket: Socket | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly spec: ServerSpec,
    private readonly handlers: TransportHandlers,
  ) {}

  /** Connected and able to send. */
  get ready(): boolean {
    return this.socket !== undefined && this.address !== undefined && !this.closed;
  }

  /** Resolves the host and connects a socket to it (again, if the address changed). */
  refresh(): Promise<void> {
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Sends one datagram; errors come to `done`, never as a throw. */
  send(datagram: Buffer, done: (err: Error | null) => void): void {
    const socket = this.socket;
    if (socket === undefined || this.closed) {
      done(Object.assign(new Error('not connected'), { code: 'ENOTCONN' }));
      return;
    }
    try {
      socket.send(datagram, done);
    } catch (err) {
      done(err as Error);
    }
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = undefined;
  }

  private async connect(): Promise<void> {
    let found: { address: string; family: number };
    try {
      found = await lookup(this.spec.host);
    } catch (err) {
      this.handlers.error(err as NodeJS.ErrnoException);
      return;
    }
    if (this.closed || (found.address === this.address && this.socket !== undefined)) return;
    const socket = createSocket(found.family === 6 ? 'udp6' : 'udp4');
    socket.on('message', (msg) => this.handlers.message(msg));
    socket.on('error', (err) => this.handlers.error(err));
    await new Promise<void>((resolve) => {
      socket.once('connect', resolve);
      socket.once('error', () => resolve());
      socket.connect(this.spec.port, found.address);
    });
    socket.unref();
    if (this.closed) {
      socket.close();
      return;
    }
    this.socket?.close();
    this.socket = socket;
    this.address = found.address;
    this.handlers.ready();
  }
}
