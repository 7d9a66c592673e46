import type { FileHandle } from 'node:fs/promises';
import type { Checkpoint } from './checkpoint-file.js';
import { FINGERPRINT_BYTES, type Fingerprint, fingerprintOf } from './fingerprint.js';

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

  constructor(
    readonly fh: FileHandle,
    public path: string,
    readonly dev: number,
    readonly ino: number,
    public fingerprint: Fingerprint,
    offset: number,
    /** Order of discovery: older files are read first. */
    readonly order: number,
  ) {
    this.offset = offset;
    this.committed = offset;
  }

  get key(): string {
    return identityKey(this.dev, this.ino);
  }

  /** The fingerprint grows with a short file, up to its full length. */
  async refreshFingerprint(size: number): Promise<void> {
    if (this.fingerprint.length < FINGERPRINT_BYTES && size > this.fingerprint.length) {
      this.fingerprint = await fingerprintOf(this.fh, size);
    }
  }

  /** Copy-truncate: the file was cut (or rewritten from its start): read it again from 0. */
  restart(fingerprint: Fingerprint): void {
    this.fingerprint = fingerprint;
    this.offset = 0;
    this.committed = 0;
    this.partialSince = undefined;
    this.skipping = false;
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
