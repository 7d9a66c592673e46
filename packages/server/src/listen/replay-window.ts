import * as zlib from 'node:zlib';

/** What a session's window says of a LOG frame's seq (and, for plain frames, its fingerprint). */
export const Seen = {
  /** Not seen in the window: write it. */
  NEW: 0,
  /** Seen, with the same fingerprint: ACK it again, do not write it. */
  DUPLICATE: 1,
  /** Seen with another fingerprint (plain frames): a forgery or the real frame after one; written. */
  CONFLICT: 2,
  /** Older than the window: nobody can tell whether it was written; refused as replayed. */
  TOO_OLD: 3,
} as const;
export type Seen = (typeof Seen)[keyof typeof Seen];

const TWO_32 = 2 ** 32;

/** A 32-bit fingerprint of a plain frame's bytes (CRC-32; FNV-1a where Node lacks zlib.crc32). */
export const fingerprint: (bytes: Buffer) => number =
  typeof zlib.crc32 === 'function'
    ? (bytes) => zlib.crc32(bytes)
    : (bytes) => {
        let h = 0x811c9dc5;
        for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
        return h >>> 0;
      };

/** The smallest ring: one 32-seq span, and the spare block that lets the window slide. */
const FIRST_SPAN = 32;

/**
 * The anti-replay window of one session (RFC 6479's bitmap, as WireGuard keeps it): a
 * ring of 32-bit blocks, one bit per seq, with one block more than the span it covers so
 * that sliding forward clears whole blocks. Seqs are u32 and wrap; each is placed on a
 * line that does not (`top` is the newest seq marked, extended past 2^32 as the seq wraps).
 *
 * The ring starts covering 32 seqs and doubles while the marked seqs spread further
 * apart, up to `window`: a session that sent one frame costs a few dozen bytes.
 * Invariant: every seq marked within `window` of `top` is inside the ring's span.
 *
 * With fingerprints (plain frames), a 32-bit fingerprint of each marked frame is kept
 * beside its bit, so a frame carrying a known seq but other bytes is told apart.
 */
export class SessionWindow {
  /** Extended seq of the newest seq marked (>= 2^32). */
  private top = 0;
  /** No seq marked at or below this one within the window (a lower bound of the marked seqs). */
  private low = 0;
  private span = FIRST_SPAN;
  private bits = new Uint32Array(FIRST_SPAN / 32 + 1);
  private prints: Uint32Array | undefined;

  constructor(
    private readonly window: number,
    fingerprints: boolean,
    first: number,
    print: number,
  ) {
    if (fingerprints) this.prints = new Uint32Array(FIRST_SPAN);
    this.top = TWO_32 + first;
    this.low = this.top;
    this.set(this.top, print);
  }

  /** Bytes this window holds in its arrays. */
  get bytes(): number {
    return this.bits.byteLength + (this.prints?.byteLength ?? 0);
  }

  /** The seq's place on the unwrapped line, taken as the nearest to `top` (serial arithmetic). */
  private extend(seq: number): number {
    return this.top + ((seq - this.top) | 0);
  }

  check(seq: number, print: number): Seen {
    const ext = this.extend(seq);
    if (ext > this.top) return Seen.NEW;
    const behind = this.top - ext;
    if (behind >= this.window) return Seen.TOO_OLD;
    if (behind >= this.span || !this.has(ext)) return Seen.NEW;
    if (this.prints !== undefined && this.prints[ext % this.span] !== print) return Seen.CONFLICT;
    return Seen.DUPLICATE;
  }

  /** Remembers the seq (and its fingerprint); a seq that fell out of the window meanwhile is not kept. */
  mark(seq: number, print: number): void {
    const ext = this.extend(seq);
    if (ext > this.top) {
      const low = Math.max(this.low, ext - this.window + 1);
      this.grow(ext - low + 1);
      this.slide(ext);
      this.low = low;
    } else {
      if (this.top - ext >= this.window) return;
      if (ext < this.low) this.low = ext;
      this.grow(this.top - this.low + 1);
    }
    this.set(ext, print);
  }

  private has(ext: number): boolean {
    return (this.bits[Math.floor(ext / 32) % this.bits.length]! & (1 << (ext & 31))) !== 0;
  }

  private set(ext: number, print: number): void {
    this.bits[Math.floor(ext / 32) % this.bits.length]! |= 1 << (ext & 31);
    if (this.prints !== undefined) this.prints[ext % this.span] = print;
  }

  /** Moves `top` forward, clearing the blocks that come into the ring anew. */
  private slide(ext: number): void {
    const blocks = this.bits.length;
    const from = Math.floor(this.top / 32);
    const steps = Math.min(Math.floor(ext / 32) - from, blocks);
    for (let i = 1; i <= steps; i++) this.bits[(from + i) % blocks] = 0;
    this.top = ext;
  }

  /** Widens the ring (doubling, up to the window) until it spans `needed` seqs back from `top`. */
  private grow(needed: number): void {
    if (needed <= this.span) return;
    let span = this.span;
    while (span < needed) span *= 2;
    span = Math.min(span, Math.ceil(this.window / 32) * 32);
    if (span === this.span) return;
    const old = { bits: this.bits, prints: this.prints, span: this.span };
    this.bits = new Uint32Array(span / 32 + 1);
    this.prints = old.prints === undefined ? undefined : new Uint32Array(span);
    this.span = span;
    for (let ext = this.top - old.span + 1; ext <= this.top; ext++) {
      if ((old.bits[Math.floor(ext / 32) % old.bits.length]! & (1 << (ext & 31))) === 0) continue;
      this.set(ext, old.prints?.[ext % old.span] ?? 0);
    }
  }
}

export interface ReplayTableOptions {
  /** Seqs each session's window spans: what the PONG announces. */
  window: number;
  /** Sessions kept at most; one more starts a new epoch. */
  maxSessions: number;
  /** Bytes all windows may hold together; past it, a new epoch. */
  maxBytes: number;
  /** A new epoch began: every window is forgotten, and the server takes a new boot. */
  onEpoch: (reason: 'sessions' | 'memory') => void;
}

/**
 * The windows of every session: a sealed session is (key_id, salt), a plain one the
 * sender id. A window is made only when a frame is marked, that is once it was verified
 * and taken. Bounded by sessions and by bytes; reaching either bound starts a new epoch
 * (the owner draws a new boot, so frames bound to the old one are refused and no window
 * is forgotten while frames it covers can still be taken).
 */
export class ReplayTable {
  private readonly sessions = new Map<string | number, SessionWindow>();
  private heldBytes = 0;

  constructor(private readonly o: ReplayTableOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  check(session: string | number, seq: number, print: number): Seen {
    return this.sessions.get(session)?.check(seq, print) ?? Seen.NEW;
  }

  mark(session: string | number, seq: number, print: number, fingerprints: boolean): void {
    let w = this.sessions.get(session);
    if (w === undefined) {
      if (this.sessions.size >= this.o.maxSessions) this.newEpoch('sessions');
      w = new SessionWindow(this.o.window, fingerprints, seq, print);
      this.sessions.set(session, w);
      this.heldBytes += w.bytes;
      return;
    }
    const before = w.bytes;
    w.mark(seq, print);
    this.heldBytes += w.bytes - before;
    if (this.heldBytes > this.o.maxBytes) {
      this.newEpoch('memory');
      this.mark(session, seq, print, fingerprints);
    }
  }

  /** Forgets every window. */
  newEpoch(reason: 'sessions' | 'memory'): void {
    this.sessions.clear();
    this.heldBytes = 0;
    this.o.onEpoch(reason);
  }
}
