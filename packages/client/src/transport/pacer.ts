/** Budget carried over an idle spell, in ms of rate: a stall never turns into a dump. */
const BURST_MS = 2;

/**
 * One server's send pacing: a token bucket of bytes and of datagrams, refilled by the
 * time that passed (not by timer ticks, which Node fires 1–2 ms late), holding at most
 * {@link BURST_MS} worth. A receiver is overrun by rate and by burst: bytes bound the
 * first for big frames, datagrams for small ones, since a Node receiver tops out near
 * 100k datagrams/s whatever their size.
 */
export class Pacer {
  private bytes: number;
  private frames: number;
  private last: number;

  constructor(
    public bytesPerMs: number,
    public framesPerMs: number,
    now: number,
  ) {
    this.bytes = bytesPerMs * BURST_MS;
    this.frames = framesPerMs * BURST_MS;
    this.last = now;
  }

  /** A new rate (the flow control's estimate moved); the budget already earned stays. */
  setRate(bytesPerMs: number, framesPerMs: number): void {
    this.bytesPerMs = bytesPerMs;
    this.framesPerMs = framesPerMs;
  }

  /** Adds what the time since the last refill allows. */
  refill(now: number): void {
    const ms = now - this.last;
    if (ms <= 0) return;
    this.last = now;
    this.bytes = Math.min(this.bytesPerMs * BURST_MS, this.bytes + ms * this.bytesPerMs);
    this.frames = Math.min(this.framesPerMs * BURST_MS, this.frames + ms * this.framesPerMs);
  }

  /**
   * Room for one more datagram. Any positive budget admits a whole frame, so a frame
   * larger than one ms of bytes still goes; the debt delays the next ones.
   */
  get open(): boolean {
    return this.bytes > 0 && this.frames >= 1;
  }

  take(bytes: number): void {
    this.bytes -= bytes;
    this.frames -= 1;
  }

  /** Ms until {@link open} again (0 if it is). */
  waitMs(): number {
    const bytes = this.bytes > 0 ? 0 : -this.bytes / this.bytesPerMs;
    const frames = this.frames >= 1 ? 0 : (1 - this.frames) / this.framesPerMs;
    return Math.max(bytes, frames);
  }
}
