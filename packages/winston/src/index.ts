/**
 * @clogs/winston: winston's transport for clogs. `winston.createLogger({ transports: [new
 * ClogsTransport({ servers, defaults })] })`; `logger.end()` delivers what is queued.
 */
export { ClogsTransport } from './clogs-transport.js';
export { WinstonTransportError, type WinstonTransportErrorCode } from './errors.js';
export type { ClogsWinstonOptions } from './options.js';
