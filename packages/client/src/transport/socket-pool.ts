import { createSocket, type Socket } from 'node:dgram';

/**
 * Servers that get a connected socket of their own; the rest share one unconnected
 * socket per address family. A connected socket hears ICMP port unreachable (Linux
 * reports it to no other kind) and its sends skip a route lookup; but one per server
 * made a fleet of N servers cost N file descriptors, and `ulimit -n 1024` capped the
 * fleet a client could address. Measured (bench/README.md, Sockets): an unconnected send
 * costs 0.6–1.4 µs more per datagram, 8–13 ns a record at 8 KB frames but 80–120 ns at
 * 1,432 B: worth keeping for the servers of a common fleet, and bounded.
 */
export const MAX_CONNECTED = 64;

/** Asked of the kernel for a shared socket's receive buffer (Linux caps it at net.core.rmem_max). */
const SHARED_RECV_BUFFER_BYTES = 4 * 2 ** 20;

/** Where datagrams from one server go. */
export interface Inbox {
  message(msg: Buffer): void;
}

/**
 * The UDP sockets of one client, bounded whatever the fleet's size: at most
 * {@link MAX_CONNECTED} connected sockets (handed out by {@link takeConnected}), and one
 * unconnected {@link SharedSocket} per address family for the other servers.
 */
export class SocketPool {
  private connectedLeft = MAX_CONNECTED;
  private readonly shared = new Map<4 | 6, Promise<SharedSocket | undefined>>();
  private closed = false;

  /** `failed`: the shared socket of a family could not be made or failed (no one server's). */
  constructor(private readonly failed: (err: NodeJS.ErrnoException, family: 4 | 6) => void) {}

  /** Takes one of the connected sockets' places, if one is left; {@link giveConnected} returns it. */
  takeConnected(): boolean {
    if (this.connectedLeft === 0 || this.closed) return false;
    this.connectedLeft--;
    return true;
  }

  giveConnected(): void {
    this.connectedLeft++;
  }

  /** The shared socket of a family, bound; undefined when it cannot be (asked again later, it tries again). */
  sharedFor(family: 4 | 6): Promise<SharedSocket | undefined> {
    let socket = this.shared.get(family);
    if (socket === undefined) {
      socket = SharedSocket.open(family, (err) => this.failed(err, family)).then((s) => {
        if (s === undefined) this.shared.delete(family);
        else if (this.closed) s.close();
        return s;
      });
      this.shared.set(family, socket);
    }
    return socket;
  }

  close(): void {
    this.closed = true;
    for (const socket of this.shared.values()) void socket.then((s) => s?.close());
    this.shared.clear();
  }
}

/**
 * One unconnected, unref'd socket that many servers share: sends name their
 * destination, and datagrams that come in go to the inbox of the server they came from
 * (several, if the fleet names one address twice; anything else is dropped).
 */
export class SharedSocket {
  /** One inbox for an address, as a rule; a list only when the fleet names it twice (no array a server). */
  private readonly inboxes = new Map<string, Inbox | Inbox[]>();

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, from) => {
      const to = this.inboxes.get(route(from.address, from.port));
      if (to === undefined) return;
      if (Array.isArray(to)) for (const inbox of to) inbox.message(msg);
      else to.message(msg);
    });
  }

  static open(
    family: 4 | 6,
    failed: (err: NodeJS.ErrnoException) => void,
  ): Promise<SharedSocket | undefined> {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    return new Promise((resolve) => {
      const early = (err: NodeJS.ErrnoException) => {
        failed(err);
        resolve(undefined);
      };
      socket.once('error', early);
      socket.bind(0, () => {
        socket.off('error', early);
        try {
          // The replies of every server that shares it land here: room for their bursts.
          socket.setRecvBufferSize(SHARED_RECV_BUFFER_BYTES);
        } catch {
          // Above the system's cap on some platforms: the default buffer it is.
        }
        // Unconnected: ICMP errors are not reported to it, so what comes is the socket's own trouble.
        socket.on('error', failed);
        socket.unref();
        resolve(new SharedSocket(socket));
      });
    });
  }

  /** Datagrams from `address:port` go to `inbox`. */
  add(address: string, port: number, inbox: Inbox): void {
    const key = route(address, port);
    const had = this.inboxes.get(key);
    if (had === undefined) this.inboxes.set(key, inbox);
    else if (Array.isArray(had)) had.push(inbox);
    else this.inboxes.set(key, [had, inbox]);
  }

  remove(address: string, port: number, inbox: Inbox): void {
    const key = route(address, port);
    const had = this.inboxes.get(key);
    const left =
      had === undefined
        ? []
        : Array.isArray(had)
          ? had.filter((i) => i !== inbox)
          : had === inbox
            ? []
            : [had];
    if (left.length === 0) this.inboxes.delete(key);
    else this.inboxes.set(key, left.length === 1 ? left[0]! : left);
  }

  /** Sends one datagram; errors come to `done`, never as a throw. */
  send(datagram: Buffer, port: number, address: string, done: (err: Error | null) => void): void {
    try {
      this.socket.send(datagram, port, address, done);
    } catch (err) {
      done(err as Error);
    }
  }

  close(): void {
    this.socket.close();
  }
}

const route = (address: string, port: number) => `${port} ${address}`;
