import { ControlFrameEncoder, createAuthKey, Kind, type SealSession } from '@clogs/protocol';
import type { FrameLedger } from '../batch/frame-ledger.js';
import type { RecordCounts } from '../client-types.js';
import { newDelivery } from '../delivery/new-delivery.js';
import type { DropReporter } from '../events/drop-reporter.js';
import type { Scheduler } from '../lifetime/scheduler.js';
import type { ResolvedOptions } from '../options.js';
import { FrameSealer } from './frame-sealer.js';
import type { LinkContext } from './link-context.js';
import { ReplyReader } from './reply-reader.js';

/** What the client has made that its links share. */
export interface ClientParts {
  o: ResolvedOptions;
  sender: number;
  /** The client's one seal session, with a key. */
  session: SealSession | undefined;
  ledger: FrameLedger;
  drops: DropReporter;
  scheduler: Scheduler;
  counts: RecordCounts;
  events: LinkContext['events'];
}

/**
 * The context every link of a client shares, but its sockets and ring (the fleet's):
 * the sealer, the reply reader, the version 1 PING encoder and the delivery strategy
 * the options choose.
 */
export function sharedLinkContext(p: ClientParts): Omit<LinkContext, 'sockets' | 'ringChanged'> {
  const { o, sender, session } = p;
  const key = o.key;
  const sealer = new FrameSealer(session);
  const parts = { ledger: p.ledger, drops: p.drops, scheduler: p.scheduler, counts: p.counts, sealer };
  return {
    ...parts,
    o,
    sender,
    key,
    session,
    delivery: newDelivery(o, parts),
    replies: new ReplyReader(sender, key, session),
    // Version 1 PINGs (negotiation) carry the version 1 AUTH trailer when there is a key.
    pingV1: new ControlFrameEncoder(Kind.PING, key === undefined ? undefined : createAuthKey(key.bytes)),
    events: p.events,
  };
}
