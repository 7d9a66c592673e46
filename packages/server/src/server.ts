import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { ServerError } from './errors.js';
import { keyIdHex } from './keys/key-files.js';
import { FrameIntake } from './listen/frame-intake.js';
import { Replies } from './listen/replies.js';
import { bindUdp, isLoopback, kernelDrops, unreadBytes } from './listen/udp-socket.js';
import {
  changedSettings,
  checkLiveConfig,
  type LiveConfig,
  type LiveOption,
  type LiveSettings,
  liveSettings,
  settingBySys,
} from './live-options.js';
import {
  checkFaults,
  type Faults,
  type ResolvedOptions,
  resolveOptions,
  type ServerOptions,
} from './options.js';
import { emptyCounters, type ServerStats } from './stats.js';
import { LogWriter, type PreparedDataDir } from './writer/log-writer.js';

export interface ServerAddress {
  host: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** How long close() goes on reading what the kernel holds for the socket. */
const CLOSE_READ_MS = 1000;

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
  private readonly intake: FrameIntake;
  private readonly replies: Replies;
  private readonly counters = emptyCounters();
  private readonly recvBufferBytes: number;
  private faults: Faults;
  /** The live options now: `options`' at start, then what applyConfig() pushed. */
  private live: LiveSettings;
  private closing: Promise<ServerStats> | undefined;

  /** @internal use {@link createServer} */
  constructor(
    options: ResolvedOptions,
    bound: Awaited<ReturnType<typeof bindUdp>>,
    dataDir: PreparedDataDir,
  ) {
    super();
    this.options = options;
    this.socket = bound.socket;
    this.address = { host: bound.host, port: bound.port, family: bound.family };
    this.recvBufferBytes = bound.recvBufferBytes;
    this.faults = options.faults;
    this.live = liveSettings(options);
    const warn = (err: ServerError) => this.warn(err);
    this.writer = new LogWriter({
      ...options,
      dataDir,
      host: options.hostname,
      pid: process.pid,
      onError: warn,
      writeDelayMs: () => this.faults.writeDelayMs,
    });
    this.replies = new Replies(this.socket, {
      window: options.replayWindow,
      v1Key: options.v1Key,
      counters: this.counters,
      faults: () => this.faults,
      warn,
    });
    this.intake = new FrameIntake({
      options,
      writer: this.writer,
      counters: this.counters,
      replies: this.replies,
      faults: () => this.faults,
      warn,
    });
    this.socket.on('message', (msg, rinfo) => this.intake.onDatagram(msg, rinfo));
    this.socket.on('error', (err) =>
      this.warn(new ServerError('ERR_SERVER_SOCKET', err.message, { cause: err })),
    );
  }

  /**
   * What a peer on the path sees of the frames, for the ready line: `frames encrypted
   * (keys 1a2b3c4d)`, with what else is accepted, or `frames in clear: no key`.
   */
  get security(): string {
    const o = this.options;
    if (o.keys.length === 0) return 'frames in clear: no key';
    const also = [
      o.allowIntegrityOnly ? 'integrity-only frames accepted' : '',
      o.acceptV1 ? 'version 1 frames accepted (integrity only)' : '',
    ].filter((x) => x !== '');
    const ids = o.keys.map((k) => keyIdHex(k.id)).join(', ');
    return `frames encrypted (key${o.keys.length > 1 ? 's' : ''} ${ids}${also.length > 0 ? `; ${also.join('; ')}` : ''})`;
  }

  /** The first 8 bytes of this run's salt (hex): sealed LOG frames must be bound to it. */
  get boot(): string {
    return this.intake.bootHex;
  }

  /** The absolute folder records are written under. */
  get dataDir(): string {
    return this.writer.dataDir;
  }

  /** A snapshot of every counter. */
  stats(): ServerStats {
    // Datagrams are counted as they are read: the LOG frames read this turn are handled
    // first, so the counts of what became of them add up to what was read.
    this.intake.settle();
    return {
      ...this.counters,
      sessions: this.intake.sessions,
      replayBytes: this.intake.replayBytes,
      dropped: { ...this.counters.dropped },
      errors: { ...this.counters.errors },
      writer: { ...this.writer.stats },
      kernelDrops: kernelDrops(this.address.port, this.address.family),
      recvBufferBytes: this.recvBufferBytes,
    };
  }

  /** The options a running server takes again, as they are now. */
  get settings(): Readonly<LiveSettings> {
    return this.live;
  }

  /**
   * Changes options while the server runs (see `LIVE_OPTIONS`): card masking and
   * attribution from the next datagram, rolling from each file's next write, the disk
   * bounds at once (lowered: the oldest rolled files are deleted now), the allow-list
   * from the next record (files already open included). `sys` gives sys_ids masking
   * and a roll size of their own (the whole table: a sys_id left out has the server's).
   * Every value is checked before any applies: a bad one throws and nothing changes.
   * `rollEvery` or `allowSys` given as undefined turns them off. Returns the options
   * that changed.
   * @throws {ServerError} `ERR_SERVER_BAD_OPTION`, naming the option.
   */
  applyConfig(partial: LiveConfig): (LiveOption | 'sys')[] {
    const next: LiveSettings = { ...this.live, ...checkLiveConfig(partial) };
    const changed = changedSettings(this.live, next);
    if (changed.length === 0) return changed;
    this.live = next;
    const has = (...keys: (LiveOption | 'sys')[]) => keys.some((k) => changed.includes(k));
    if (has('maskPan', 'attribution', 'sys'))
      this.intake.setFormat({
        maskPan: next.maskPan,
        attribution: next.attribution,
        maskBySys: settingBySys(next, 'maskPan'),
      });
    if (has('rollBytes', 'rollEvery', 'sys'))
      this.writer.setRolling(next.rollBytes, next.rollEvery, settingBySys(next, 'rollBytes'));
    if (has('maxTotalBytes', 'maxFiles')) this.writer.setBounds(next.maxTotalBytes, next.maxFiles);
    if (has('allowSys')) this.writer.setAllowSys(next.allowSys);
    return changed;
  }

  /** Changes the injected faults (tests only): `setFaults({ silent: true })` isolates this server. */
  setFaults(faults: Partial<Faults>): void {
    this.faults = checkFaults(faults, this.faults);
  }

  /** Writes what is buffered, then reopens every file by path (SIGHUP, after logrotate renamed them). */
  reopen(): Promise<void> {
    return this.writer.reopen();
  }

  /** Writes every buffered line to its file; resolves once they are written. */
  flush(): Promise<void> {
    // The LOG frames read this turn and not yet handled are part of what was received.
    this.intake.settle();
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
      this.intake.settle();
      await this.writer.close();
      // The ACKs that waited for the writer, and those held back, go before the socket closes.
      await this.replies.close();
      this.intake.close();
      const stats = this.stats();
      await new Promise<void>((resolve) => this.socket.close(() => resolve()));
      return stats;
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private warn(err: ServerError): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }
}

/**
 * Starts a clogs server: binds the socket (port 0 picks a free one), creates the data
 * folder, and resolves once it is ready to receive.
 * Secure by default: without keys it listens only on a loopback address, unless `insecure`.
 * @throws {ServerError} `ERR_SERVER_BAD_OPTION`, `ERR_SERVER_LISTEN` or `ERR_SERVER_INSECURE`.
 */
export async function createServer(options: ServerOptions = {}): Promise<ClogsServer> {
  const resolved = resolveOptions(options);
  const dataDir = await LogWriter.prepare(resolved.dataDir, resolved.dirMode);
  const bound = await bindUdp(resolved.host, resolved.port, resolved.recvBufferBytes);
  if (resolved.keys.length === 0 && !resolved.insecure && !isLoopback(bound.host)) {
    bound.socket.close();
    throw new ServerError(
      'ERR_SERVER_INSECURE',
      `refusing to listen on ${resolved.host} without a key: anyone on the network could read and forge frames; give --key-file (make one with: clogs-server keygen FILE), or --insecure to accept that`,
    );
  }
  return new ClogsServer(resolved, bound, dataDir);
}
