import type { FileSink } from '../writer/file-sink.js';
import type { LogWriter } from '../writer/log-writer.js';
import type { Answer, Replies } from './replies.js';

/** A frame whose ACK waits for its lines to reach the files. */
export interface PendingAck {
  waiting: number;
  written: boolean;
  /** Whom to ACK: the first arrival and any resend that came while waiting. */
  to: Answer[];
}

/** A file a frame wrote lines to, and how much it held before them. */
export interface Touched {
  sink: FileSink;
  since: number;
}

/**
 * ackAfterWrite: the frames whose ACK waits for their lines to be written, keyed by
 * session, seq and fingerprint, and the flush that writes them this turn.
 */
export class WriteAcks {
  private readonly pending = new Map<string, PendingAck>();
  private flushScheduled = false;

  constructor(
    private readonly writer: LogWriter,
    private readonly replies: Replies,
  ) {}

  /** The frame `key` still waiting for the disk: a resend of it is ACKed with it. */
  get(key: string): PendingAck | undefined {
    return this.pending.get(key);
  }

  /**
   * The frame is remembered in its window, and ACKed, only once all its lines are
   * written; lines lost to a failed write are neither, so the client's resend is
   * written afresh.
   */
  ackWhenWritten(answer: Answer, seq: number, key: string, touched: Touched[], remember: () => void): void {
    const pending: PendingAck = { waiting: touched.length, written: true, to: [answer] };
    this.pending.set(key, pending);
    for (const { sink, since } of touched) {
      sink.whenWritten(since, (written) => {
        pending.written &&= written;
        if (--pending.waiting > 0) return;
        this.pending.delete(key);
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
}
