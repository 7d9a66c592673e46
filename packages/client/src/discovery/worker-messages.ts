import type { FleetUpdate } from './etcd-fleet.js';

/** What the discovery worker posts to the client's thread. */
export type FromFleetWorker =
  | { type: 'fleet'; update: FleetUpdate }
  | { type: 'config'; text: string | undefined; revision: string }
  | { type: 'warning'; message: string; cause: string | undefined }
  | { type: 'state'; connected: boolean; revision: string | undefined };
