import { ServerError, type ServerErrorCode } from '../errors.js';

/** Warnings of one code are told at most this often (the count of those held back with the next). */
const NOTICE_MS = 10_000;

/**
 * The writer's warnings. Those a flood could repeat (a bound reached, an unsafe path, a
 * failed write) are told at most once every NOTICE_MS per code, saying how many were
 * held back; `always` ones (a deletion, a recovery) each time.
 */
export class Notices {
  private readonly last = new Map<ServerErrorCode, { at: number; more: number }>();

  constructor(private readonly tell: (err: ServerError) => void) {}

  say(code: ServerErrorCode, message: string, always = false, cause?: unknown): void {
    let text = message;
    if (!always) {
      const now = Date.now();
      const last = this.last.get(code);
      if (last !== undefined && now - last.at < NOTICE_MS) {
        last.more++;
        return;
      }
      if (last !== undefined && last.more > 0) text += ` (and ${last.more} more since the last such warning)`;
      this.last.set(code, { at: now, more: 0 });
    }
    this.tell(new ServerError(code, text, { cause }));
  }
}
