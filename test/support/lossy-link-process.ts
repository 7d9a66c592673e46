// The lossy link as its own process, for tests and benchmarks that want the client, the
// link and the server apart (a real network has its own CPU):
//   node --import tsx lossy-link-process.ts --target 127.0.0.1:7070 [--port 0] [--seed 1]
//     [--delay MS] [--jitter MS] [--loss P] [--reorder P] [--duplicate P]   (both directions)
//     [--up-loss P] [--down-loss P] ...                                       (one direction)
// Prints "lossy-link listening on udp://127.0.0.1:PORT" once ready; on SIGTERM/SIGINT it
// prints "lossy-link stats {json}" and exits 0.
import { parseArgs } from 'node:util';
import { type LinkShape, LossyLink } from './lossy-link.js';

const keys = ['delay', 'jitter', 'loss', 'reorder', 'duplicate'] as const;
const field = {
  delay: 'delayMs',
  jitter: 'jitterMs',
  loss: 'loss',
  reorder: 'reorder',
  duplicate: 'duplicate',
} as const;
const options: Record<string, { type: 'string' }> = {
  target: { type: 'string' },
  port: { type: 'string' },
  seed: { type: 'string' },
};
for (const k of keys) {
  options[k] = { type: 'string' };
  options[`up-${k}`] = { type: 'string' };
  options[`down-${k}`] = { type: 'string' };
}
const { values } = parseArgs({ options, strict: true });
const v = values as Record<string, string | undefined>;
const shape = (dir: 'up' | 'down'): Partial<LinkShape> => {
  const s: Partial<LinkShape> = {};
  for (const k of keys) {
    const text = v[`${dir}-${k}`] ?? v[k];
    if (text !== undefined) s[field[k]] = Number(text);
  }
  return s;
};
const [host, port] = (v.target ?? '').split(':');
if (host === undefined || port === undefined) throw new Error('--target host:port is required');
const link = await LossyLink.start({
  target: { host, port: Number(port) },
  up: shape('up'),
  down: shape('down'),
  port: Number(v.port ?? 0),
  seed: Number(v.seed ?? 1),
});
process.stdout.write(`lossy-link listening on udp://127.0.0.1:${link.port}\n`);
const stop = () => {
  process.stdout.write(`lossy-link stats ${JSON.stringify(link.stats)}\n`);
  link.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
