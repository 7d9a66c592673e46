import { randomBytes } from 'node:crypto';
import { type KeyRing, SALT_BYTES, SealSession, type Suite } from '@clogs/protocol';

/**
 * This server's boot: the salt it seals its replies under, drawn at each start and at
 * each new epoch. Sealed LOG frames must be bound to its first 8 bytes, so a frame
 * captured before a restart, before an epoch, or at another server is refused here.
 * One sealing session per (key, suite) a client used, all under the one salt.
 */
export class Boot {
  salt: Buffer = randomBytes(SALT_BYTES);
  private readonly sessions = new Map<number, SealSession>();

  constructor(private readonly keys: KeyRing | undefined) {}

  /** The first 8 bytes of the salt: what clients bind their LOG frames to. */
  get boot(): Buffer {
    return this.salt.subarray(0, 8);
  }

  /** The session replies to frames sealed with this key and suite are sealed with. */
  session(keyId: number, suite: Suite): SealSession {
    const at = keyId * 4 + suite;
    let s = this.sessions.get(at);
    if (s === undefined) {
      const key = this.keys?.get(keyId);
      // Only frames that verified with one of our keys are answered sealed.
      if (key === undefined) throw new Error(`no key ${keyId}: a sealed frame was taken without its key`);
      s = new SealSession({ key, suite: suite as 1 | 2 | 3, direction: 'server', salt: this.salt });
      this.sessions.set(at, s);
    }
    return s;
  }

  /** A new salt: frames bound to the old one are refused from now on. */
  renew(): void {
    this.salt = randomBytes(SALT_BYTES);
    this.sessions.clear();
  }
}
