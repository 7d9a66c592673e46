import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Checkpoint } from './checkpoint-file.js';
import { FileTail, type FormerFile, identityKey } from './file-tail.js';
import { FINGERPRINT_BYTES, readHead, startsWith } from './fingerprint.js';
import { expandPattern } from './glob.js';

/** What the scans found, for the summary. */
export interface FileCounts {
  /** Files followed at some point. */
  files: number;
  /** Files found at start with a checkpoint: read on from its offset. */
  resumed: number;
  /** Files a newer one replaced under their name (rename), or that were renamed or deleted. */
  renamed: number;
  /** Files cut below the offset read or rewritten from their start (copy-truncate): read again from 0. */
  truncated: number;
}

interface Found {
  path: string;
  st: Stats;
}

/**
 * The files under the `--follow` patterns, re-read on every scan: new files are opened
 * (read from their start; at the first scan from their checkpoint, or per `--from`), a
 * renamed file is kept by its identity (device, inode) and finished, a truncated one is
 * read again from 0, and a new file that starts with the bytes of one already followed
 * (the copy of a copy-truncate) is read on from where that one was.
 */
export class FileSet {
  readonly tails = new Map<string, FileTail>();
  readonly counts: FileCounts = { files: 0, resumed: 0, renamed: 0, truncated: 0 };
  /**
   * Counts the files cut (truncated, rewritten) with lines read but not settled and no copy
   * found: if the client dropped some of those, reading again cannot bring them back.
   */
  orphaned = 0;
  private order = 0;

  constructor(
    private readonly patterns: readonly string[],
    private readonly from: 'start' | 'end',
  ) {}

  /** The open files, oldest first: a rotated file is read to its end before its successor. */
  ordered(): FileTail[] {
    return [...this.tails.values()].sort((a, b) => a.order - b.order);
  }

  /** The first scan: files with a checkpoint resume at its offset. */
  async start(checkpoints: readonly Checkpoint[]): Promise<void> {
    await this.scan(checkpoints);
  }

  /** A later scan: renames, truncations, files that came or went. */
  async rescan(): Promise<void> {
    await this.scan(undefined);
  }

  private async scan(checkpoints: readonly Checkpoint[] | undefined): Promise<void> {
    // Restarted before this scan's listing: this scan has seen any copy there is.
    const restarted = [...this.tails.values()].filter((t) => t.former !== undefined);
    const seen = new Set<string>();
    const fresh: Found[] = [];
    for (const pattern of this.patterns) {
      for (const path of await expandPattern(pattern)) {
        let st: Stats;
        try {
          st = await stat(path);
        } catch {
          continue;
        }
        if (!st.isFile()) continue;
        const key = identityKey(st.dev, st.ino);
        if (seen.has(key)) continue;
        seen.add(key);
        const tail = this.tails.get(key);
        if (tail === undefined) fresh.push({ path, st });
        else tail.named = true;
        if (tail !== undefined && tail.path !== path) {
          tail.path = path;
          this.markRotated(tail);
        }
      }
    }
    // Older first (a rotated file before the one that replaced it), then by name.
    fresh.sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || (a.path < b.path ? -1 : 1));
    const claimed = new Set<Checkpoint>();
    const opened: { f: Found; fh: Awaited<ReturnType<typeof open>> }[] = [];
    for (const f of fresh) {
      try {
        opened.push({ f, fh: await open(f.path, 'r') });
      } catch {
        // Gone between the listing and the open, or unreadable: the next scan looks again.
      }
    }
    // Checkpoints by identity first, then by fingerprint alone (a copy, or a file moved to
    // another device), so a copy never takes the checkpoint of a file still there. By
    // fingerprint alone only a whole one (FINGERPRINT_BYTES): a new file that starts with
    // a short file's few bytes would skip its own first lines; read from 0, a short file
    // moved is only sent again.
    const offsets = new Map<string, number>();
    if (checkpoints !== undefined) {
      for (const { f, fh } of opened) {
        const cp = checkpoints.find((c) => c.dev === f.st.dev && c.ino === f.st.ino);
        if (cp !== undefined && cp.offset <= f.st.size && (await startsWith(fh, cp.fingerprint))) {
          claimed.add(cp);
          offsets.set(f.path, cp.offset);
        }
      }
      for (const { f, fh } of opened) {
        if (offsets.has(f.path)) continue;
        for (const cp of checkpoints) {
          if (claimed.has(cp) || cp.fingerprint.length < FINGERPRINT_BYTES || cp.offset > f.st.size) continue;
          if (await startsWith(fh, cp.fingerprint)) {
            claimed.add(cp);
            offsets.set(f.path, cp.offset);
            break;
          }
        }
      }
    }
    for (const { f, fh } of opened) {
      let offset = offsets.get(f.path);
      let committed = offset;
      if (offset !== undefined) this.counts.resumed++;
      else if (checkpoints !== undefined) offset = committed = this.from === 'start' ? 0 : f.st.size;
      else {
        // A copy goes on from its original, lines read but not yet delivered included.
        const original = await this.originalOf(fh, f.st.size);
        offset = original?.offset ?? 0;
        committed = original?.committed ?? 0;
      }
      const tail = new FileTail(
        fh,
        f.path,
        f.st.dev,
        f.st.ino,
        await readHead(fh, Buffer.allocUnsafe(FINGERPRINT_BYTES)),
        offset,
        this.order++,
        committed,
      );
      tail.size = f.st.size;
      this.tails.set(tail.key, tail);
      this.counts.files++;
    }
    // After the new files: a copy is matched with the bytes its original had before the cut.
    for (const tail of this.tails.values()) {
      if (!seen.has(tail.key)) {
        tail.named = false;
        this.markRotated(tail);
      } else await this.checkTruncated(tail);
    }
    for (const tail of restarted) tail.former = undefined;
  }

  /**
   * A file that appeared while running starts with the bytes of a file followed now
   * (copy-truncate's copy): that file, whose offset counts bytes of the copy too. None:
   * the new file is read from its start.
   */
  private async originalOf(
    fh: Awaited<ReturnType<typeof open>>,
    size: number,
  ): Promise<FormerFile | undefined> {
    for (const tail of this.tails.values()) {
      for (const was of [tail, tail.former]) {
        if (was === undefined || was.fingerprint.length === 0 || was.offset > size) continue;
        if (await startsWith(fh, was.fingerprint)) {
          if (was === tail) tail.copied = true;
          else was.copied = true;
          return was;
        }
      }
    }
    return undefined;
  }

  private markRotated(tail: FileTail): void {
    if (tail.rotated) return;
    tail.rotated = true;
    this.counts.renamed++;
  }

  /**
   * Copy-truncate: a read found the file rewritten, it is cut below the offset, or its
   * first bytes are no longer those it had: read it again from 0. Otherwise its
   * fingerprint grows with it, from the same snapshot of its first bytes.
   */
  private async checkTruncated(tail: FileTail): Promise<void> {
    let size: number;
    let head: Buffer;
    try {
      size = (await tail.fh.stat()).size;
      head = await readHead(tail.fh, Buffer.allocUnsafe(FINGERPRINT_BYTES));
    } catch {
      return;
    }
    if (tail.rewritten || size < tail.offset || !tail.startsAsKnown(head)) {
      // Lines read and not yet settled, with no copy to read them from again.
      if (tail.committed < tail.offset && !tail.copied) this.orphaned++;
      tail.restart(head);
      this.counts.truncated++;
    } else tail.learn(head);
    tail.size = size;
  }

  /** Closes the files no longer under a followed name once everything in them is committed. */
  async closeFinished(): Promise<void> {
    for (const tail of [...this.tails.values()]) {
      if (tail.named || tail.committed < tail.offset) continue;
      let size: number;
      try {
        size = (await tail.fh.stat()).size;
      } catch {
        size = tail.offset;
      }
      if (size > tail.offset) continue;
      this.tails.delete(tail.key);
      await tail.close();
    }
  }

  /** Where each open file resumes, for the state file. */
  checkpoints(): Checkpoint[] {
    return this.ordered().map((t) => t.checkpoint());
  }

  async close(): Promise<void> {
    for (const tail of this.tails.values()) await tail.close();
    this.tails.clear();
  }
}
