import { describeClose, TransportKit } from '@clogs/client';
import { LineDestination } from './line-destination.js';
import { LineReader } from './line-reader.js';
import { MainThread } from './main-thread.js';
import { type ClogsPinoOptions, resolvePinoOptions } from './options.js';

/** A client error as it crosses to the main thread (an Error's own fields would not). */
function plain(err: {
  name?: string | undefined;
  code?: string | undefined;
  message: string;
  field?: string | undefined;
  reason?: string | undefined;
}) {
  return { name: err.name, code: err.code, message: err.message, field: err.field, reason: err.reason };
}

/** A refusal is printed at most this often; the rest are counted and summed up at close. */
const SAY_EVERY_MS = 1000;

/**
 * pino's transport target: `pino.transport({ target: '@clogs/pino', options })`. Each
 * line becomes one record. A record the client refuses is counted, reported, and
 * skipped: the stream goes on. Past the client's high-water mark, reading waits for its
 * `'drain'` (at most `drainTimeoutMs`). On `end()` (pino does it at exit) the close hook
 * closes the client within `closeTimeoutMs` and prints what was lost, if anything.
 */
export async function clogsTransport(options: ClogsPinoOptions): Promise<LineDestination> {
  const o = resolvePinoOptions(options);
  const reader = new LineReader(o.fileKey, o.messageOnly ? o.messageKey : undefined);
  let unsaid = 0;
  let saidAt = Number.NEGATIVE_INFINITY;

  const kit = new TransportKit({
    client: o.client,
    borrowed: o.borrowed,
    closeTimeoutMs: o.closeTimeoutMs,
    drainTimeoutMs: o.drainTimeoutMs,
    relay: (name, payload) => out.emit(name, name === 'warning' ? plain(payload as Error) : payload),
    onRefused: (err) => {
      out.emit('warning', plain(err));
      const now = performance.now();
      if (now - saidAt >= SAY_EVERY_MS) {
        out.say(`${err.message}${unsaid > 0 ? ` (and ${unsaid} more refused before it)` : ''}`);
        saidAt = now;
        unsaid = 0;
      } else unsaid++;
    },
  });

  const close = async () => {
    const summary = await kit.close();
    out.emit('closed', summary);
    const line = describeClose(summary);
    if (line !== undefined) out.say(line);
  };

  const destination = new LineDestination(
    (line) => kit.log(reader.read(line), reader.options),
    kit.gate,
    close,
    () => kit.sink.flush(),
  );
  const out = new MainThread(destination);
  return destination;
}
