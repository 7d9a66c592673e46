/**
 * The discovery worker: follows the fleet in etcd ({@link EtcdFleet}) on its own
 * thread and posts each update to the client. etcd3's watch is a gRPC stream, and an
 * open stream keeps Node's event loop alive; on an unref'd worker it keeps only the
 * worker alive, so an idle client still never holds its process (README: Process
 * lifetime). gRPC's work stays off the thread that runs `log()`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EtcdFleet, type EtcdFleetOptions } from './etcd-fleet.js';
import type { FromFleetWorker } from './worker-messages.js';

const port = parentPort!;
const post = (message: FromFleetWorker) => port.postMessage(message);
const fleet = new EtcdFleet(workerData as EtcdFleetOptions, {
  fleet: (update) => post({ type: 'fleet', update }),
  config: (text, revision) => post({ type: 'config', text, revision }),
  warning: (message, cause) => post({ type: 'warning', message, cause: cause?.message }),
  connection: (connected, revision) => post({ type: 'state', connected, revision }),
});
fleet.start();
port.on('message', (message: { type: 'close' }) => {
  if (message.type !== 'close') return;
  void fleet.close().then(() => port.close());
});
