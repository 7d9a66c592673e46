import type { FileHandle } from 'node:fs/promises';
import type { Checkpoint } from './checkpoint-file.js';
import { EMPTY_FINGERPRINT, FINGERPRINT_BYTES, type Fingerprint, fingerprintOfHead } from './fingerprint.js';

/** What a file was before a restart: enough to know its copy, and where reading it was. */
export interface FormerFile {
  fingerprint: Fingerprint;
  offset: number;
  committed: number;
}

/** A file before its restart, and whether a copy took over the lines it had read. */
export interface Restarted extends FormerFile {
  copied: boolean;
}

/**
 * One followed file, open: its identity, where reading is, and the last line when it has
 * no newline yet. The handle stays open until the file is read to its end and no longer
 * under a followed name (renamed away or deleted): a rotated file is finished first.
 */
export class FileTail {
  /** Bytes before this are logged (complete lines, or a last line sent on its timeout). */
  offset: number;
  /** Bytes before this are acknowledged or sent: what the state file says. */
  committed: number;
  /** Where the last mark was made: the offset a mark settling moves `committed` to. */
  marked: number;
  /** Counts the restarts (copy-truncate): a mark made before one no longer moves `committed`. */
  generation = 0;
  /** The file is under a followed name (a scan saw it). */
  named = true;
  /** A newer file took the name this one had: its last line goes without waiting. */
  rotated = false;
  /** Size at the last read; how long the bytes after `offset` have had no newline. */
  size = 0;
  partialSince: number | undefined;
  /** Where the last line without newline ended when its wait started: growing, it waits anew. */
  partialEnd = 0;
  /** Reading a line longer than any datagram: skipped up to its newline. */
  skipping = false;
  /**
   * A read found the file rewritten from its start (copy-truncate): nothing more is read
   * from it until a scan has matched the copy against what it was and restarted it.
   */
  rewritten = false;
  /**
   * What the file was before its last restart, kept until a whole scan has passed: a
   * copy listed only after the cut was seen is still matched against it.
   */
  former: Restarted | undefined;
  /** A copy of this file (copy-truncate's) took over its lines: set by the scan that found it. */
  copied = false;
  /** The hash of {@link head}: the file's identity in the state file. */
  fingerprint: Fingerprint = EMPTY_FINGERPRINT;
  /** The file's first bytes as last confirmed, up to FINGERPRINT_BYTES: compared, not hashed, on each read. */
  private readonly head = Buffer.allocUnsafe(FINGERPRINT_BYTES);
  private headLength = 0;

  constructor(
    readonly fh: FileHandle,
    public path: string,
    readonly dev: number,
    readonly ino: number,
    /** The file's first bytes when it was opened. */
    head: Buffer,
    offset: number,
    /** Order of discovery: older files are read first. */
    readonly order: number,
    /** Below `offset` when a copy takes over lines its original read but has not delivered. */
    committed = offset,
  ) {
    this.offset = offset;
    this.committed = committed;
    // A copy taking over lines its original read: a mark of its own moves it past them.
    this.marked = committed;
    this.learn(head);
  }

  get key(): string {
    return identityKey(this.dev, this.ino);
  }

  /**
   * Whether `head`, the file's first bytes now, are still those it had, at least as many
   * as have been read: false once it was cut or rewritten from its start.
   */
  startsAsKnown(head: Buffer): boolean {
    const known = this.headLength;
    return (
      head.length >= known &&
      head.length >= Math.min(this.offset, FINGERPRINT_BYTES) &&
      head.compare(this.head, 0, known, 0, known) === 0
    );
  }

  /** A snapshot that {@link startsAsKnown} passed: the known first bytes (and the fingerprint) grow to it. */
  learn(head: Buffer): void {
    if (head.length <= this.headLength) return;
    head.copy(this.head);
    this.headLength = head.length;
    this.fingerprint = fingerprintOfHead(head);
  }

  /**
   * After a read of `n` bytes at `offset` into `chunk`, before a line of it is used:
   * whether the file is still the one the offset counts bytes of. `head` is its first
   * bytes read after the chunk: they must start as known, cover what was read (up to
   * FINGERPRINT_BYTES), and equal the chunk where the two overlap. A file rewritten from
   * its start fails (it is marked {@link rewritten}); one that passes learns `head`, so
   * the known bytes always cover the first `min(offset, FINGERPRINT_BYTES)` read.
   */
  confirm(chunk: Buffer, n: number, head: Buffer): boolean {
    const end = this.offset + n;
    let same = head.length >= Math.min(end, FINGERPRINT_BYTES) && this.startsAsKnown(head);
    if (same && this.offset < head.length) {
      const upTo = Math.min(end, head.length);
      same = chunk.compare(head, this.offset, upTo, 0, upTo - this.offset) === 0;
    }
    if (!same) {
      this.rewritten = true;
      return false;
    }
    this.learn(head);
    return true;
  }

  /** Copy-truncate: the file was cut (or rewritten from its start): read it again from 0. */
  restart(head: Buffer): void {
    this.former = {
      fingerprint: this.fingerprint,
      offset: this.offset,
      committed: this.committed,
      copied: this.copied,
    };
    this.copied = false;
    this.headLength = 0;
    this.fingerprint = EMPTY_FINGERPRINT;
    this.learn(head);
    this.offset = 0;
    this.committed = 0;
    this.marked = 0;
    this.generation++;
    this.partialSince = undefined;
    this.skipping = false;
    this.rewritten = false;
  }

  checkpoint(): Checkpoint {
    return {
      path: this.path,
      dev: this.dev,
      ino: this.ino,
      fingerprint: this.fingerprint,
      offset: this.committed,
    };
  }

  async close(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }
}

export const identityKey = (dev: number, ino: number) => `${dev}:${ino}`;
