import type { ControlFrameEncoder, FrameKey, SealSession } from '@clogs/protocol';
import type { FrameLedger } from '../batch/frame-ledger.js';
import type { RecordCounts } from '../client-types.js';
import type { DropReporter } from '../events/drop-reporter.js';
import type { Scheduler } from '../lifetime/scheduler.js';
import type { ResolvedOptions } from '../options.js';
import type { SocketPool } from '../transport/socket-pool.js';
import type { FrameSealer } from './frame-sealer.js';
import type { ReplyReader } from './reply-reader.js';

/** What every link of a client shares. */
export interface LinkContext {
  readonly o: ResolvedOptions;
  readonly sender: number;
  readonly key: FrameKey | undefined;
  /** The client's one seal session (one salt, one packet number counter), with a key. */
  readonly session: SealSession | undefined;
  /** Seals LOG frames on their first send, reseals them for a server's new boot. */
  readonly sealer: FrameSealer;
  /** Verifies and reads the PONGs and ACKs of every server. */
  readonly replies: ReplyReader;
  /** One version 1 PING encoder for all links (negotiation): what it encodes is copied before it is sent. */
  readonly pingV1: ControlFrameEncoder;
  /** Every frame from sealed to freed, and the bytes they hold. */
  readonly ledger: FrameLedger;
  readonly drops: DropReporter;
  readonly scheduler: Scheduler;
  readonly counts: RecordCounts;
  /** The client's sockets: a bounded number, whatever the fleet's size. */
  readonly sockets: SocketPool;
  /** The client: `up`, `down` and `warning` events. */
  readonly events: { emit(event: string, payload: unknown): boolean };
  /** A server left or rejoined the continuum between ticks (on a PONG): the fleet rebuilds it. */
  readonly ringChanged: () => void;
}
