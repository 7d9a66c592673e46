import type { RemoteInfo } from 'node:dgram';
import {
  type DecodeOptions,
  decodeHeader,
  type FrameHeader,
  KeyRing,
  Kind,
  PongStatus,
  RecordCursor,
  Suite,
} from '@clogs/protocol';
import { ServerError } from '../errors.js';
import type { Faults, ResolvedOptions } from '../options.js';
import type { ServerCounters } from '../stats.js';
import type { FileSink } from '../writer/file-sink.js';
import { LineFormatter, maxLineBytes } from '../writer/line-format.js';
import type { Sealed } from '../writer/line-source.js';
import type { LogWriter } from '../writer/log-writer.js';
import { AUTH_WARNING_MS } from './auth-warnings.js';
import { Boot } from './boot.js';
import { Refusals } from './refusals.js';
import { fingerprint, ReplayTable, Seen } from './replay-window.js';
import type { Answer, Replies } from './replies.js';

/** A frame whose ACK waits for its lines to reach the files (ackAfterWrite). */
interface PendingAck {
  waiting: number;
  written: boolean;
  /** Whom to ACK: the first arrival and any resend that came while waiting. */
  to: Answer[];
}

/** Where a sealed frame names its session: key_id (4) and salt (16). */
const SESSION_START = 16;
const SESSION_END = 36;

export interface IntakeOptions {
  options: ResolvedOptions;
  writer: LogWriter;
  counters: ServerCounters;
  replies: Replies;
  faults: () => Faults;
  warn: (err: ServerError) => void;
}

/**
 * What happens to each datagram: decoded and verified (a sealed body is decrypted only
 * once its tag verified), PINGs answered, LOG frames checked whole, then against their
 * session's replay window, then written, remembered and ACKed.
 */
export class FrameIntake {
  private readonly o: ResolvedOptions;
  private readonly writer: LogWriter;
  private readonly c: ServerCounters;
  private readonly replies: Replies;
  private readonly decodeOptions: DecodeOptions;
  private readonly boot: Boot;
  private readonly replay: ReplayTable;
  private readonly refusals: Refusals;
  private readonly cursor = new RecordCursor();
  private readonly formatter: LineFormatter;
  private readonly pendingAcks = new Map<string, PendingAck>();
  private flushScheduled = false;
  /**
   * LOG frames read in this poll phase, written in its check phase. PINGs are answered as
   * they are read, so a PONG never waits behind the frames the kernel delivered with it
   * (libuv reads up to 32 datagrams a turn: at 64 KB frames, 160,000 records). Bounded
   * by that per-turn count.
   */
  private readonly backlog: { msg: Buffer; header: FrameHeader; from: RemoteInfo }[] = [];
  private readonly drainBacklog = () => this.settle();
  private epochWarnedAt = Number.NEGATIVE_INFINITY;
  private epochsUntold = 0;

  constructor(private readonly io: IntakeOptions) {
    this.o = io.options;
    this.writer = io.writer;
    this.c = io.counters;
    this.replies = io.replies;
    const keys =
      this.o.keys.length === 0
        ? undefined
        : new KeyRing(this.o.keys, { maxCachedSessions: this.o.maxSessions });
    this.boot = new Boot(keys);
    this.decodeOptions = {
      keys,
      // Version 1 frames carry no key id: they are checked against one key, and answered with it.
      v1Key: this.o.v1Key,
      acceptV1: this.o.acceptV1,
      allowAuthOnly: this.o.allowIntegrityOnly,
      boot: this.boot.boot,
    };
    this.replay = new ReplayTable({
      window: this.o.replayWindow,
      maxSessions: this.o.maxSessions,
      maxBytes: this.o.maxReplayBytes,
      onEpoch: (reason) => this.newEpoch(reason),
    });
    this.refusals = new Refusals(io.counters, io.warn);
    this.formatter = new LineFormatter({ maskPan: this.o.maskPan, attribution: this.o.attribution });
  }

  /** The first 8 bytes of this server's salt, in hex: what sealed LOG frames are bound to. */
  get bootHex(): string {
    return this.boot.boot.toString('hex');
  }

  /** Sessions with a replay window now. */
  get sessions(): number {
    return this.replay.size;
  }

  /** Bytes the replay windows hold. */
  get replayBytes(): number {
    return this.replay.bytes;
  }

  /** How lines are formatted from the next datagram on: what is left out stays. */
  setFormat(format: {
    maskPan?: boolean | undefined;
    attribution?: boolean | undefined;
    maskBySys?: ReadonlyMap<string, boolean> | undefined;
  }): void {
    if (format.maskPan !== undefined) this.formatter.setMaskPan(format.maskPan, format.maskBySys);
    if (format.attribution !== undefined) this.formatter.setAttribution(format.attribution);
  }

  /** Writes the LOG frames read and not yet handled (close() calls it before the writer closes). */
  settle(): void {
    const backlog = this.backlog;
    for (let i = 0; i < backlog.length; i++) {
      const { msg, header, from } = backlog[i]!;
      this.onLog(msg, header, from);
    }
    backlog.length = 0;
  }

  /** Says what the auth warnings still hold, and stops their timers. */
  close(): void {
    this.refusals.close();
  }

  onDatagram(msg: Buffer, from: RemoteInfo): void {
    const c = this.c;
    c.datagrams++;
    c.bytesReceived += msg.length;
    let header: FrameHeader;
    try {
      header = decodeHeader(msg, this.decodeOptions);
    } catch (err) {
      this.refusals.refused(err, msg, from);
      return;
    }
    if (header.kind === Kind.PING) {
      c.pings++;
      // Answered before anything touches the writer: a busy disk never looks like a dead server.
      if (this.io.faults().silent) return;
      const writable = this.writer.writable;
      // A version 1 client cannot be told the server cannot write, only left without an answer.
      if (header.version === 1 && !writable) return;
      const status = writable ? PongStatus.READY : PongStatus.CANNOT_WRITE;
      this.replies.pong(this.answer(msg, header, from), header.seq, status);
    } else if (header.kind === Kind.LOG) {
      if (this.backlog.push({ msg, header, from }) === 1) setImmediate(this.drainBacklog);
    } else {
      c.dropped.unexpected_kind++;
    }
  }

  private answer(msg: Buffer, header: FrameHeader, from: RemoteInfo): Answer {
    const sealed = header.suite !== 0;
    return {
      to: from,
      sender: header.sender,
      version: header.version,
      session: sealed ? this.boot.session(header.keyId!, header.suite) : undefined,
      peer: sealed ? Buffer.from(header.salt!.subarray(0, 8)) : undefined,
      // Version 1 ACKs go one by one: no group.
      group:
        header.version === 1
          ? ''
          : `${from.address}|${from.port}|${header.sender}|${sealed ? msg.toString('latin1', SESSION_START, SESSION_END) : ''}`,
    };
  }

  private onLog(msg: Buffer, header: FrameHeader, from: RemoteInfo): void {
    const c = this.c;
    // All or nothing: every record is checked (its fields, and that its file lies inside
    // the data folder) before the first line is written, and before the replay window, so
    // a corrupted copy of a known (session, seq) is refused, never ACKed.
    const cursor = this.cursor.reset(msg, header);
    try {
      this.writer.checkRoom();
      while (cursor.next()) this.writer.sink(cursor.sysId, cursor.fileName);
    } catch (err) {
      this.refusals.refused(err, msg, from);
      return;
    }
    if (this.io.faults().dropFraction > 0 && Math.random() < this.io.faults().dropFraction) {
      c.dropped.fault++;
      return;
    }
    const seq = header.seq;
    // Sealed frames are authentic: a seq in a session is one frame. Plain ones may be
    // forged, so their bytes are told apart too, and a forgery never hides a real frame.
    const sealed = header.suite !== 0;
    const session = sealed ? msg.toString('latin1', SESSION_START, SESSION_END) : header.sender;
    const print = sealed ? 0 : fingerprint(msg);
    const waitForWrite = header.ackWanted && this.o.ackAfterWrite;
    const pendingKey = waitForWrite ? `${session}:${seq}:${print}` : '';
    const pending = waitForWrite ? this.pendingAcks.get(pendingKey) : undefined;
    if (pending !== undefined) {
      // A resend of a frame still waiting for the disk is ACKed with it.
      c.duplicates++;
      pending.to.push(this.answer(msg, header, from));
      return;
    }
    const seen = this.replay.check(session, seq, print);
    if (seen === Seen.TOO_OLD) {
      this.refusals.tooOld(from);
      return;
    }
    if (seen === Seen.DUPLICATE) {
      c.duplicates++;
      if (header.ackWanted) this.replies.ack(this.answer(msg, header, from), seq);
      return;
    }
    if (this.writer.stats.heldBytes > this.o.maxPendingBytes) {
      c.dropped.writer_behind++;
      return;
    }
    if (seen === Seen.CONFLICT) c.conflicts++;
    const touched: { sink: FileSink; since: number }[] | undefined = waitForWrite ? [] : undefined;
    const formatter = this.formatter;
    formatter.begin(msg, header.bodyStart, header.bodyEnd, from, sealedMark(header));
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
    const remember = () => this.replay.mark(session, seq, print, !sealed);
    if (touched !== undefined) {
      this.ackWhenWritten(this.answer(msg, header, from), seq, pendingKey, touched, remember);
      return;
    }
    remember();
    if (header.ackWanted) this.replies.ack(this.answer(msg, header, from), seq);
  }

  /**
   * ackAfterWrite: the frame is remembered in its window, and ACKed, only once all its
   * lines are written; lines lost to a failed write are neither, so the client's resend
   * is written afresh.
   */
  private ackWhenWritten(
    answer: Answer,
    seq: number,
    key: string,
    touched: { sink: FileSink; since: number }[],
    remember: () => void,
  ): void {
    const pending: PendingAck = { waiting: touched.length, written: true, to: [answer] };
    this.pendingAcks.set(key, pending);
    for (const { sink, since } of touched) {
      sink.whenWritten(since, (written) => {
        pending.written &&= written;
        if (--pending.waiting > 0) return;
        this.pendingAcks.delete(key);
        if (!pending.written) return;
        remember();
        for (const to of pending.to) this.replies.ack(to, seq);
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

  private newEpoch(reason: 'sessions' | 'memory'): void {
    this.boot.renew();
    this.decodeOptions.boot = this.boot.boot;
    this.c.epochs++;
    // A flood of new senders can start epochs back to back: one warning per 10 s, with a count.
    this.epochsUntold++;
    const now = Date.now();
    if (now - this.epochWarnedAt < AUTH_WARNING_MS) return;
    this.epochWarnedAt = now;
    const more = this.epochsUntold > 1 ? `, ${this.epochsUntold - 1} more since the last said` : '';
    this.epochsUntold = 0;
    const why =
      reason === 'sessions'
        ? `${this.o.maxSessions} sessions, the most kept`
        : `replay windows over ${this.o.maxReplayBytes} bytes`;
    this.io.warn(
      new ServerError(
        'ERR_SERVER_EPOCH',
        `new epoch (${why}${more}): every replay window forgotten; boot now ${this.bootHex}, frames sealed for the last one are refused until their clients reseal them`,
      ),
    );
  }
}

/** How a frame was protected, as an attributed line says it. */
function sealedMark(header: FrameHeader): Sealed {
  if (header.suite === Suite.CHACHA20_POLY1305 || header.suite === Suite.AES_256_GCM) return 'encrypted';
  return header.authenticated || header.suite === Suite.CHACHA20_POLY1305_AUTH_ONLY ? 'signed' : 'plain';
}
