// One app of the transports benchmark: logs `count` lines through a logger and a
// destination, then ends as such an app ends (pino: by itself, the worker flushed at
// exit; winston: logger.end(), then exit on 'finish'). Plain JS: pino's worker loads the
// built packages, as a user's does. Prints `start <hrtime ns>` before the first line.
// With a rate, lines go in steps of 10 ms at that many lines/s (a paced app), not at once.
//   node transport-app.mjs <case> <port or file> <count> [lines/s]
import pino from 'pino';
import winston from 'winston';
import 'winston-syslog';
import { ClogsTransport } from '@clogs/winston';

const [kind, where, countArg, rateArg] = process.argv.slice(2);
const count = Number(countArg);
const rate = Number(rateArg ?? 0);
const servers = [`127.0.0.1:${where} bench`];
const defaults = { sysId: 'BNCH', msgType: 'JSON', fileName: 'app' };
// About 100 bytes of message, as the other benchmarks log.
const text = 'order accepted amount=99.95 EUR gw=3 route=a-b-c status=ok note=none pad=xxxxxxxxxxxx';

function pinoApp(destination) {
  const logger = pino(destination);
  process.stdout.write(`start ${process.hrtime.bigint()}\n`);
  if (rate === 0) {
    for (let i = 0; i < count; i++) logger.info({ i }, text);
    return;
  }
  const step = Math.max(1, Math.round(rate / 100));
  let i = 0;
  const timer = setInterval(() => {
    for (const end = Math.min(count, i + step); i < end; i++) logger.info({ i }, text);
    if (i >= count) clearInterval(timer);
  }, 10);
}

function winstonApp(transport) {
  const logger = winston.createLogger({ transports: [transport] });
  process.stdout.write(`start ${process.hrtime.bigint()}\n`);
  for (let i = 0; i < count; i++) logger.info(text, { i });
  logger.on('finish', () => process.exit(0));
  logger.end();
}

const ready = (t) =>
  new Promise((resolve) => {
    t.once('ready', () => resolve(t));
  });

switch (kind) {
  case 'clogs-pino':
    pinoApp(await ready(pino.transport({ target: '@clogs/pino', options: { servers, defaults } })));
    break;
  case 'clogs-pino-8k':
    pinoApp(
      await ready(
        pino.transport({ target: '@clogs/pino', options: { servers, defaults, maxDatagramBytes: 8192 } }),
      ),
    );
    break;
  case 'pino-socket':
    pinoApp(
      await ready(
        pino.transport({
          target: 'pino-socket',
          options: { address: '127.0.0.1', port: Number(where), mode: 'udp', echo: false },
        }),
      ),
    );
    break;
  case 'pino-file':
    pinoApp(await ready(pino.transport({ target: 'pino/file', options: { destination: where } })));
    break;
  case 'pino-dest':
    pinoApp(pino.destination({ dest: where, sync: false }));
    break;
  case 'clogs-winston':
    winstonApp(new ClogsTransport({ servers, defaults }));
    break;
  case 'clogs-winston-8k':
    winstonApp(new ClogsTransport({ servers, defaults, maxDatagramBytes: 8192 }));
    break;
  case 'winston-syslog':
    winstonApp(new winston.transports.Syslog({ host: '127.0.0.1', port: Number(where), protocol: 'udp4' }));
    break;
  default:
    throw new Error(`unknown case ${kind}`);
}
