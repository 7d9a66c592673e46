import { type ClientStats, type ClogsClient, createClient, DrainGate, type LogSink } from '@clogs/client';
import { LineDestination } from './line-destination.js';
import { LineReader } from './line-reader.js';
import { MainThread } from './main-thread.js';
import { type ClogsPinoOptions, resolvePinoOptions } from './options.js';

/** A client error as it crosses to the main thread (an Error's own fields would not). */
function plain(err: { name?: string; code?: string; message: string; field?: string; reason?: string }) {
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
  const owned: ClogsClient | undefined = o.client === undefined ? undefined : createClient(o.client);
  const sink: LogSink = owned ?? o.borrowed!;
  const reader = new LineReader(o.fileKey, o.messageOnly ? o.messageKey : undefined);
  let refused = 0;
  let unsaid = 0;
  let saidAt = Number.NEGATIVE_INFINITY;

  /** Hands one line to the client; false: wait for room. */
  const take = (line: string): boolean => {
    try {
      return sink.log(reader.read(line), reader.options);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_CLIENT_BAD_RECORD') throw err;
      refused++;
      out.emit('warning', plain(err as Error));
      const now = performance.now();
      if (now - saidAt >= SAY_EVERY_MS) {
        out.say(`${(err as Error).message}${unsaid > 0 ? ` (and ${unsaid} more refused before it)` : ''}`);
        saidAt = now;
        unsaid = 0;
      } else unsaid++;
      return true;
    }
  };

  const close = async () => {
    let undelivered = 0;
    let stats: ClientStats | undefined;
    if (owned === undefined) {
      await sink.flush({ timeoutMs: o.closeTimeoutMs });
    } else {
      ({ undelivered } = await owned.close({ timeoutMs: o.closeTimeoutMs }));
      stats = owned.stats();
    }
    const dropped = Object.entries(stats?.dropped ?? {}).filter(([, n]) => n > 0);
    const lost = dropped.reduce((sum, [, n]) => sum + n, 0);
    out.emit('closed', { undelivered, refused, dropped: stats?.dropped });
    if (refused > 0 || lost > 0) {
      const reasons = dropped.map(([reason, n]) => `${n} ${reason}`).join(', ');
      out.say(
        `closed: ${stats?.accepted ?? '?'} records taken, ${refused} refused, ${lost} not delivered` +
          (reasons === '' ? '' : ` (${reasons})`),
      );
    }
  };

  const destination = new LineDestination(take, new DrainGate(sink, o.drainTimeoutMs), close, () =>
    sink.flush(),
  );
  const out = new MainThread(destination);
  for (const name of ['up', 'down', 'drop', 'reroute']) {
    sink.on(name, (payload: unknown) => out.emit(name, payload));
  }
  sink.on('warning', (err: Error) => out.emit('warning', plain(err)));
  return destination;
}
