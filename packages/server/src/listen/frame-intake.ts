import type { RemoteInfo } from 'node:dgram';
import {
  type DecodeOptions,
  decodeHeader,
  type FrameHeader,
  KeyRing,
  Kind,
  PongStatus,
  RecordCursor,
} from '@clogs/protocol';
import type { ServerError } from '../errors.js';
import type { Faults, ResolvedOptions } from '../options.js';
import type { ServerCounters } from '../stats.js';
import type { FileSink } from '../writer/file-sink.js';
import { LineFormatter, maxLineBytes } from '../writer/line-format.js';
import type { LogWriter } from '../writer/log-writer.js';
import { Boot } from './boot.js';
import { EpochNotice } from './epoch-notice.js';
import { answerTo, sealedMark, sealedSession } from './frame-origin.js';
import { Refusals } from './refusals.js';
import { fingerprint, ReplayTable, Seen } from './replay-window.js';
import type { Answer, Replies } from './replies.js';
import { type Touched, WriteAcks } from './write-acks.js';

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
  /** ackAfterWrite: frames whose ACK waits for their lines to be written. */
  private readonly writeAcks: WriteAcks;
  /**
   * LOG frames read in this poll phase, written in its check phase. PINGs are answered as
   * they are read, so a PONG never waits behind the frames the kernel delivered with it
   * (libuv reads up to 32 datagrams a turn: at 64 KB frames, 160,000 records). Bounded
   * by that per-turn count.
   */
  private readonly backlog: { msg: Buffer; header: FrameHeader; from: RemoteInfo }[] = [];
  private readonly drainBacklog = () => this.settle();
  private readonly epochs: EpochNotice;

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
    this.epochs = new EpochNotice(this.o, io.warn);
    this.writeAcks = new WriteAcks(io.writer, io.replies);
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
    return answerTo(msg, header, from, this.boot);
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
    const session = sealed ? sealedSession(msg) : header.sender;
    const print = sealed ? 0 : fingerprint(msg);
    const waitForWrite = header.ackWanted && this.o.ackAfterWrite;
    const pendingKey = waitForWrite ? `${session}:${seq}:${print}` : '';
    const pending = waitForWrite ? this.writeAcks.get(pendingKey) : undefined;
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
    const touched: Touched[] | undefined = waitForWrite ? [] : undefined;
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
    const remember = () => {
      // Its twin (other bytes, same seq) was written while this one waited for the disk.
      if (
        waitForWrite &&
        !sealed &&
        seen === Seen.NEW &&
        this.replay.check(session, seq, print) === Seen.CONFLICT
      ) {
        c.conflicts++;
      }
      this.replay.mark(session, seq, print, !sealed);
    };
    if (touched !== undefined) {
      this.writeAcks.ackWhenWritten(this.answer(msg, header, from), seq, pendingKey, touched, remember);
      return;
    }
    remember();
    if (header.ackWanted) this.replies.ack(this.answer(msg, header, from), seq);
  }

  private newEpoch(reason: 'sessions' | 'memory'): void {
    this.boot.renew();
    this.decodeOptions.boot = this.boot.boot;
    this.c.epochs++;
    this.epochs.began(reason, this.bootHex);
  }
}
