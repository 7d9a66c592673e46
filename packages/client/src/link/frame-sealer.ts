import type { LogRecord, SealSession } from '@clogs/protocol';
import { plainRecords } from '../batch/frame-records.js';
import type { QueuedFrame } from '../batch/lane.js';

/**
 * The sealing of a client's LOG frames: one {@link SealSession} (one salt, one packet
 * number counter) for all its servers. A frame is sealed on the send path at its first
 * transmit, for the boot of the server it goes to (never in `log()`: a key costs the
 * caller nothing); a resend sends the same bytes. Without a key every call is a no-op.
 */
export class FrameSealer {
  constructor(private readonly session: SealSession | undefined) {}

  /** Frames are laid out with room for the seal. */
  get sealedLayout(): boolean {
    return this.session !== undefined;
  }

  /** Seals `q` for the server whose boot is `boot`, unless it is sealed already (a resend). */
  seal(q: QueuedFrame, boot: Uint8Array | undefined): void {
    if (this.session === undefined || q.sealed) return;
    // A server is sent records only after its first sealed PONG: its boot is known.
    this.session.seal(q.frame, boot!);
    q.sealed = true;
  }

  /**
   * The server started a new boot (it restarted, or began a new epoch): it refuses frames
   * bound to the old one. A frame still awaiting its ACK there is unsealed and sealed
   * again for `boot`, under a new packet number, so the caller can send it at once:
   * at-least-once loses nothing across a restart. A send of the old bytes may still be
   * pending in the socket; at worst that datagram fails its tag at the server, and the
   * resealed frame is what counts.
   */
  reseal(q: QueuedFrame, boot: Uint8Array): void {
    const session = this.session;
    if (session === undefined) return;
    if (q.sealed) session.unseal(q.frame);
    session.seal(q.frame, boot);
    q.sealed = true;
  }

  /** Copies the records of `q` onto `into`, in plaintext (unsealed first): for re-routing them. */
  records(q: QueuedFrame, into: LogRecord[]): void {
    if (q.sealed) {
      this.session!.unseal(q.frame);
      q.sealed = false;
    }
    plainRecords(q.frame, this.sealedLayout, into);
  }
}
