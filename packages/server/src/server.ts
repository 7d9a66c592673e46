import type { RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import {
  ControlFrameEncoder,
  createAuthKey,
  type DecodeOptions,
  decodeHeader,
  type FrameHeader,
  HEADER_BYTES,
  Kind,
  ProtocolError,
  RecordCursor,
} from '@clogs/protocol';
import { ServerError } from './errors.js';
import { DedupeWindow } from './listen/dedupe-window.js';
import { bindUdp, kernelDrops, unreadBytes } from './listen/udp-socket.js';
import {
  checkFaults,
  type Faults,
  type ResolvedOptions,
  resolveOptions,
  type ServerOptions,
} from './options.js';
import { emptyCounters, type ServerStats } from './stats.js';
import type { FileSink } from './writer/file-sink.js';
import { LineFormatter, maxLineBytes } from './writer/line-format.js';
import { LogWriter } from './writer/log-writer.js';

export interface ServerAddress {
  host: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** How long close() goes on reading what the kernel holds for the socket. */
const CLOSE_READ_MS = 1000;

/** A frame whose ACK waits for its lines to reach the files (ackAfterWrite). */
interface PendingAck {
  waiting: number;
  written: boolean;
  /** Where to send the ACK: the first arrival and any resend that came while waiting. */
  to: RemoteInfo[];
}

/**
 * The clogs reference server. Make one with {@link createServer}.
 *
 * Events: `warning` (a {@link ServerError}: a failed write, a socket error; the
 * server goes on).
 */
export class ClogsServer extends EventEmitter {
  /** Where the server listens. */
  readonly address: ServerAddress;
  private readonly options: ResolvedOptions;
  private readonly socket: Socket;
  private readonly writer: LogWriter;
  private readonly decodeOptions: DecodeOptions;
  private readonly pong: ControlFrameEncoder;
  private readonly ack: ControlFrameEncoder;
  private readonly dedupe: DedupeWindow;
  private readonly cursor = new RecordCursor();
  private readonly formatter: LineFormatter;
  private readonly counters = emptyCounters();
  private readonly recvBufferBytes: number;
  private readonly pendingAcks = new Map<string, PendingAck>();
  /** ACKs held back by the ackDelayMs fault: sent at close() rather than lost. */
  private readonly delayedAcks = new Set<{ timer: NodeJS.Timeout | undefined; send: () => void }>();
  private faults: Faults;
  private flushScheduled = false;
  /** Replies handed to the socket and not yet sent. */
  private sending = 0;
  private onSendsDone: (() => void) | undefined;
  /** One callback for every send, made once. */
  private readonly sent = (err: Error | null) => {
    if (err !== null) {
      this.counters.unanswerable++;
      this.warn(new ServerError('ERR_SERVER_SOCKET', `a reply failed: ${err.message}`, { cause: err }));
    }
    if (--this.sending === 0) this.onSendsDone?.();
  };
  private socketClosed = false;
  private closing: Promise<ServerStats> | undefined;

  /** @internal use {@link createServer} */
  constructor(options: ResolvedOptions, bound: Awaited<ReturnType<typeof bindUdp>>) {
    super();
    this.options = options;
    this.socket = bound.socket;
    this.address = { host: bound.host, port: bound.port, family: bound.family };
    this.recvBufferBytes = bound.recvBufferBytes;
    this.faults = options.faults;
    const key = options.key === undefined ? undefined : createAuthKey(options.key);
    this.decodeOptions = { key };
    this.pong = new ControlFrameEncoder(Kind.PONG, key);
    this.ack = new ControlFrameEncoder(Kind.ACK, key);
    this.dedupe = new DedupeWindow(options.dedupeWindow, options.maxSenders);
    this.formatter = new LineFormatter({ maskPan: options.maskPan, attribution: options.attribution });
    this.writer = new LogWriter({
      dataDir: options.dataDir,
      flushMs: options.flushMs,
      rollBytes: options.rollBytes,
      chunkBytes: options.chunkBytes,
      maxOpenFiles: options.maxOpenFiles,
      host: options.hostname,
      pid: process.pid,
      onError: (err) => this.warn(err),
      writeDelayMs: () => this.faults.writeDelayMs,
    });
    this.socket.on('message', (msg, rinfo) => this.onDatagram(msg, rinfo));
    this.socket.on('error', (err) =>
      this.warn(new ServerError('ERR_SERVER_SOCKET', err.message, { cause: err })),
    );
  }

  /** The absolute folder records are written under. */
  get dataDir(): string {
    return this.writer.dataDir;
  }

  /** A snapshot of every counter. */
  stats(): ServerStats {
    return {
      ...this.counters,
      dropped: { ...this.counters.dropped },
      errors: { ...this.counters.errors },
      writer: { ...this.writer.stats },
      kernelDrops: kernelDrops(this.address.port, this.address.family),
      recvBufferBytes: this.recvBufferBytes,
    };
  }

  /** Changes the injected faults (tests only): `setFaults({ silent: true })` isolates this server. */
  setFaults(faults: Partial<Faults>): void {
    this.faults = checkFaults(faults, this.faults);
  }

  /** Writes every buffered line to its file; resolves once they are written. */
  flush(): Promise<void> {
    return this.writer.drain();
  }

  /**
   * Stops taking datagrams, writes every buffered line, sends the ACKs that waited for
   * it, fsyncs and closes every file, then closes the socket. Resolves with the final stats.
   */
  close(): Promise<ServerStats> {
    this.closing ??= (async () => {
      // Datagrams the kernel already took are clients' records (at-most-once, nobody
      // will resend them): read them before stopping, for at most a second.
      const { port, family } = this.address;
      const deadline = Date.now() + CLOSE_READ_MS;
      while (unreadBytes(port, family) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.socket.removeAllListeners('message');
      await this.writer.close();
      for (const late of this.delayedAcks) {
        clearTimeout(late.timer);
        late.send();
      }
      // Replies are sent after an address step; wait for the last ones before closing.
      if (this.sending > 0) await new Promise<void>((resolve) => (this.onSendsDone = resolve));
      const stats = this.stats();
      this.socketClosed = true;
      await new Promise<void>((resolve) => this.socket.close(() => resolve()));
      return stats;
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private onDatagram(msg: Buffer, from: RemoteInfo): void {
    const c = this.counters;
    c.datagrams++;
    c.bytesReceived += msg.length;
    let header: FrameHeader;
    try {
      header = decodeHeader(msg, this.decodeOptions);
    } catch (err) {
      this.refuse(err);
      return;
    }
    if (header.kind === Kind.PING) {
      c.pings++;
      // Answered before anything touches the writer: a busy disk never looks like a dead server.
      if (!this.faults.silent) this.reply(this.pong, header.sender, (header.seq + 1) >>> 0, from);
    } else if (header.kind === Kind.LOG) {
      this.onLog(msg, header, from);
    } else {
      c.dropped.unexpected_kind++;
    }
  }

  private onLog(msg: Buffer, header: FrameHeader, from: RemoteInfo): void {
    const c = this.counters;
    // All or nothing: every record is checked (its fields, and that its file lies inside
    // the data folder) before the first line is written, and before dedupe, so a
    // corrupted copy of a known (sender, seq) is refused, never ACKed.
    const cursor = this.cursor.reset(msg, header);
    try {
      while (cursor.next()) this.writer.sink(cursor.sysId, cursor.fileName);
    } catch (err) {
      this.refuse(err);
      return;
    }
    if (this.faults.dropFraction > 0 && Math.random() < this.faults.dropFraction) {
      c.dropped.fault++;
      return;
    }
    const waitForWrite = header.ackWanted && this.options.ackAfterWrite;
    const pendingKey = waitForWrite ? `${header.sender}:${header.seq}` : '';
    const pending = waitForWrite ? this.pendingAcks.get(pendingKey) : undefined;
    if (pending !== undefined || this.dedupe.has(header.sender, header.seq)) {
      c.duplicates++;
      // A resend of a frame still waiting for the disk is ACKed with it; otherwise at once.
      if (pending !== undefined) pending.to.push(from);
      else if (header.ackWanted) this.sendAck(header, from);
      return;
    }
    if (this.writer.stats.heldBytes > this.options.maxPendingBytes) {
      c.dropped.writer_behind++;
      return;
    }
    const touched: { sink: FileSink; since: number }[] | undefined = waitForWrite ? [] : undefined;
    const formatter = this.formatter;
    formatter.begin(msg, HEADER_BYTES, header.bodyEnd, from, header.authenticated ? 'signed' : 'plain');
    cursor.reset(msg, header);
    let sink: FileSink | undefined;
    while (cursor.next()) {
      const next = this.writer.sink(cursor.sysId, cursor.fileName);
      if (next !== sink) {
        sink = next;
        if (touched !== undefined && !touched.some((t) => t.sink === next)) {
          touched.push({ sink: next, since: next.appended });
        }
      }
      const out = sink.room(maxLineBytes(cursor.msgLength, cursor.reservedLength));
      sink.commit(formatter.line(out, sink.pos, cursor));
    }
    c.frames++;
    c.records += header.count;
    if (touched !== undefined) {
      this.ackWhenWritten(header, from, pendingKey, touched);
      return;
    }
    this.dedupe.remember(header.sender, header.seq);
    if (header.ackWanted) this.sendAck(header, from);
  }

  /**
   * ackAfterWrite: the frame is remembered for dedupe, and ACKed, only once all its lines
   * are written; lines lost to a failed write are neither, so the client's resend is
   * written afresh.
   */
  private ackWhenWritten(
    header: FrameHeader,
    from: RemoteInfo,
    key: string,
    touched: { sink: FileSink; since: number }[],
  ): void {
    const pending: PendingAck = { waiting: touched.length, written: true, to: [from] };
    this.pendingAcks.set(key, pending);
    for (const { sink, since } of touched) {
      sink.whenWritten(since, (written) => {
        pending.written &&= written;
        if (--pending.waiting > 0) return;
        this.pendingAcks.delete(key);
        if (!pending.written) return;
        this.dedupe.remember(header.sender, header.seq);
        for (const to of pending.to) this.sendAck(header, to);
      });
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.writer.flush();
      });
    }
  }

  private sendAck(header: FrameHeader, to: RemoteInfo): void {
    if (this.faults.noAck) return;
    const delay = this.faults.ackDelayMs;
    if (delay === 0) {
      this.replyAck(header.sender, header.seq, to);
      return;
    }
    const late = {
      timer: undefined as NodeJS.Timeout | undefined,
      send: () => {
        this.delayedAcks.delete(late);
        this.replyAck(header.sender, header.seq, to);
      },
    };
    late.timer = setTimeout(late.send, delay).unref();
    this.delayedAcks.add(late);
  }

  private replyAck(sender: number, seq: number, to: RemoteInfo): void {
    if (this.reply(this.ack, sender, seq, to)) this.counters.acks++;
  }

  /** Sends a PONG or ACK; never throws. False when it could not be sent. */
  private reply(encoder: ControlFrameEncoder, sender: number, seq: number, to: RemoteInfo): boolean {
    if (this.socketClosed) return false;
    // Port 0 cannot be answered, and Node's send would throw on it.
    if (to.port === 0) {
      this.counters.unanswerable++;
      return false;
    }
    try {
      // A copy per reply: a send the kernel cannot take at once is queued by reference.
      this.socket.send(Buffer.from(encoder.encode(sender, seq)), to.port, to.address, this.sent);
      this.sending++;
      return true;
    } catch (err) {
      this.counters.unanswerable++;
      this.warn(
        new ServerError('ERR_SERVER_SOCKET', `cannot answer ${to.address}:${to.port}`, { cause: err }),
      );
      return false;
    }
  }

  private refuse(err: unknown): void {
    const c = this.counters;
    if (err instanceof ProtocolError) c.dropped.malformed++;
    else if (err instanceof ServerError && err.code === 'ERR_SERVER_BAD_PATH') c.dropped.bad_path++;
    else throw err;
    c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
  }

  private warn(err: ServerError): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }
}

/**
 * Starts a clogs server: binds the socket (port 0 picks a free one), creates the data
 * folder, and resolves once it is ready to receive.
 * @throws {ServerError} `ERR_SERVER_BAD_OPTION` or `ERR_SERVER_LISTEN`.
 */
export async function createServer(options: ServerOptions = {}): Promise<ClogsServer> {
  const resolved = resolveOptions(options);
  if (resolved.key !== undefined) {
    try {
      createAuthKey(resolved.key);
    } catch (err) {
      throw new ServerError('ERR_SERVER_BAD_OPTION', 'key must be non-empty bytes', { cause: err });
    }
  }
  try {
    await mkdir(resolved.dataDir, { recursive: true });
  } catch (err) {
    throw new ServerError('ERR_SERVER_DATA_DIR', `cannot create ${resolved.dataDir}`, { cause: err });
  }
  const bound = await bindUdp(resolved.host, resolved.port, resolved.recvBufferBytes);
  return new ClogsServer(resolved, bound);
}
