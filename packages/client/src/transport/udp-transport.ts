import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { ServerSpec } from '../server-spec.js';
import type { SharedSocket, SocketPool } from './socket-pool.js';

export interface TransportHandlers {
  /** A datagram from the server (PONG, ACK). */
  message(msg: Buffer): void;
  /** ICMP port unreachable, seen as ECONNREFUSED (only a connected socket hears it). */
  refused(): void;
  /** The server's name did not resolve. */
  dnsFailed(err: NodeJS.ErrnoException): void;
  /** A socket of its own could not be made or failed (EMFILE, ...). */
  socketFailed(err: NodeJS.ErrnoException): void;
  /** The transport can send (again): frames that waited for it can go. */
  ready(): void;
}

/**
 * One server's way to the network. While the {@link SocketPool} has one to spare, a
 * socket of its own, connected (a send skips the route lookup, and only a connected
 * socket hears ICMP port unreachable); past that, or when one cannot be made, the
 * client's shared socket for its address family. Unref'd either way (an idle client
 * never keeps a process alive). The name is resolved once, and again on `refresh()` (a
 * timer, or trouble), never per send.
 */
export class UdpTransport {
  address: string | undefined;
  private socket: Socket | undefined;
  private shared: SharedSocket | undefined;
  /** Holds one of the pool's connected places. */
  private own = false;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly spec: ServerSpec,
    private readonly handlers: TransportHandlers,
    private readonly pool: SocketPool,
  ) {}

  /** Able to send. */
  get ready(): boolean {
    return (
      (this.socket !== undefined || this.shared !== undefined) && this.address !== undefined && !this.closed
    );
  }

  /** Resolves the host and gets a socket to it (again, if the address changed). */
  refresh(): Promise<void> {
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Sends one datagram; errors come to `done`, never as a throw. */
  send(datagram: Buffer, done: (err: Error | null) => void): void {
    const socket = this.socket;
    if (socket !== undefined && !this.closed) {
      try {
        socket.send(datagram, done);
      } catch (err) {
        done(err as Error);
      }
    } else if (this.shared !== undefined && this.address !== undefined && !this.closed) {
      this.shared.send(datagram, this.spec.port, this.address, done);
    } else {
      done(Object.assign(new Error('not connected'), { code: 'ENOTCONN' }));
    }
  }

  close(): void {
    this.closed = true;
    this.leave();
    if (this.own) this.pool.giveConnected();
    this.own = false;
  }

  private async connect(): Promise<void> {
    let found: { address: string; family: number };
    try {
      found = await lookup(this.spec.host);
    } catch (err) {
      this.handlers.dnsFailed(err as NodeJS.ErrnoException);
      return;
    }
    if (this.closed || (found.address === this.address && this.ready)) return;
    const family = found.family === 6 ? 6 : 4;
    if (!this.own) this.own = this.pool.takeConnected();
    if (this.own) {
      const socket = await this.connected(family, found.address);
      if (this.closed) {
        socket?.close();
        return;
      }
      if (socket !== undefined) return this.use(socket, undefined, found.address);
      // No socket of its own to be had: it shares, and gives its place back.
      this.own = false;
      this.pool.giveConnected();
    }
    const shared = await this.pool.sharedFor(family);
    if (shared !== undefined && !this.closed) this.use(undefined, shared, found.address);
  }

  /** A socket connected to the server; undefined (reported) when none could be made. */
  private async connected(family: 4 | 6, address: string): Promise<Socket | undefined> {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('error', resolve);
      socket.connect(this.spec.port, address);
    });
    if (failed !== undefined) {
      this.handlers.socketFailed(failed);
      try {
        socket.close();
      } catch {
        // never bound: nothing to close
      }
      return undefined;
    }
    socket.removeAllListeners('error');
    socket.on('message', (msg) => this.handlers.message(msg));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.handlers.refused();
      else this.handlers.socketFailed(err);
    });
    socket.unref();
    return socket;
  }

  private use(socket: Socket | undefined, shared: SharedSocket | undefined, address: string): void {
    this.leave();
    this.socket = socket;
    this.shared = shared;
    this.address = address;
    shared?.add(address, this.spec.port, this.handlers);
    this.handlers.ready();
  }

  /** Lets go of the socket in use, its own or its place on the shared one. */
  private leave(): void {
    this.socket?.close();
    this.socket = undefined;
    if (this.address !== undefined) this.shared?.remove(this.address, this.spec.port, this.handlers);
    this.shared = undefined;
  }
}
