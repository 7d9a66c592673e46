import type { AuthKey, ControlFrameEncoder } from '@clogs/protocol';
import type { QueueBudget } from '../batch/queue-budget.js';
import type { RecordCounts } from '../client-types.js';
import type { DropReporter } from '../events/drop-reporter.js';
import type { Scheduler } from '../lifetime/scheduler.js';
import type { ResolvedOptions } from '../options.js';
import type { SocketPool } from '../transport/socket-pool.js';

/** What every link of a client shares. */
export interface LinkContext {
  readonly o: ResolvedOptions;
  readonly sender: number;
  readonly key: AuthKey | undefined;
  /** One PING encoder for all links: what it encodes is copied before it is sent. */
  readonly ping: ControlFrameEncoder;
  readonly budget: QueueBudget;
  readonly drops: DropReporter;
  readonly scheduler: Scheduler;
  readonly counts: RecordCounts;
  /** The client's sockets: a bounded number, whatever the fleet's size. */
  readonly sockets: SocketPool;
  /** The client: `up`, `down` and `warning` events. */
  readonly events: { emit(event: string, payload: unknown): boolean };
}
