import { ServerError } from '../errors.js';

/** Why frames were refused for want of the right key, and what the operator can do. */
export const AUTH_REASONS = {
  bad_tag:
    'the tag does not verify (a client holding another key with the same id, or frames altered on the way)',
  unknown_key: 'sealed with a key this server does not hold (give the server that key with --key-file)',
  plain_at_keyed: 'plain frames at a server with a key (a client without a key: give it one)',
  v1_at_keyed:
    'version 1 frames at a server with a key (an old client: upgrade it, or start the server with --accept-v1 while clients move)',
  // A current client adds version 1 PINGs to its own once this server leaves them
  // unanswered, in case it is an old server: most often the client lacks this key.
  v1_ping_at_keyed:
    'version 1 PINGs at a server with a key (from a client this server does not answer: one without this server\u2019s key, or with another; or an old client: upgrade it, or start the server with --accept-v1 while clients move)',
  sealed_at_keyless:
    'sealed or signed frames at a server without a key (give it the clients\u2019 key with --key-file)',
  integrity_only:
    'frames sealed for integrity only (suite 3), which this server takes only with --allow-integrity-only',
  replayed:
    'replayed frames (sealed for another server or an earlier run of this one, or older than the replay window)',
} as const;
export type AuthReason = keyof typeof AUTH_REASONS;

/** One warning per reason at most every this many ms. */
export const AUTH_WARNING_MS = 10_000;

interface Tally {
  count: number;
  from: string;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Says, through `warn`, that frames are being refused for auth reasons: the first
 * refusal at once, then at most one warning per reason every 10 s with the count since
 * the last one, so a client with the wrong key shows up without flooding the log.
 */
export class AuthWarnings {
  private readonly tallies = new Map<AuthReason, Tally>();

  constructor(private readonly warn: (err: ServerError) => void) {}

  refused(reason: AuthReason, address: string, port: number): void {
    let t = this.tallies.get(reason);
    if (t === undefined) {
      t = { count: 0, from: '', timer: undefined };
      this.tallies.set(reason, t);
    }
    t.count++;
    t.from = `${address.includes(':') ? `[${address}]` : address}:${port}`;
    if (t.timer === undefined) this.say(reason, t);
  }

  private say(reason: AuthReason, t: Tally): void {
    if (t.count === 0) {
      t.timer = undefined;
      return;
    }
    const frames = t.count === 1 ? '1 frame' : `${t.count} frames`;
    this.warn(
      new ServerError(
        'ERR_SERVER_AUTH_REFUSED',
        `refused ${frames} (last from ${t.from}): ${AUTH_REASONS[reason]}`,
      ),
    );
    t.count = 0;
    t.timer = setTimeout(() => this.say(reason, t), AUTH_WARNING_MS).unref();
  }

  /** Says what is still untold, and stops the timers. */
  close(): void {
    for (const [reason, t] of this.tallies) {
      clearTimeout(t.timer);
      t.timer = undefined;
      if (t.count > 0) this.say(reason, t);
      clearTimeout(t.timer);
    }
  }
}
