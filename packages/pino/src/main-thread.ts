import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * What the transport tells the app. In pino's worker (thread-stream's), events go to the
 * main thread as thread-stream's EVENT messages, which it emits on the object
 * `pino.transport()` returned; in-process, on the destination stream itself.
 */
export class MainThread {
  /** Run by thread-stream: its worker data carries the shared buffers. */
  private readonly inWorker =
    parentPort !== null &&
    typeof workerData === 'object' &&
    workerData !== null &&
    (workerData as { stateBuf?: unknown }).stateBuf instanceof SharedArrayBuffer;

  constructor(private readonly local: NodeJS.EventEmitter) {}

  /** Emits `name` where the app listens. `payload` must survive a structured clone. */
  emit(name: string, payload: unknown): void {
    if (this.inWorker) parentPort!.postMessage({ code: 'EVENT', name, args: [payload] });
    else this.local.emit(name, payload);
  }

  /**
   * Writes to stderr at once. At exit pino blocks the main thread until this worker is
   * done, so neither an event nor the worker's own (asynchronous) stderr would be seen.
   */
  say(line: string): void {
    writeSync(2, `@clogs/pino: ${line}\n`);
  }
}
