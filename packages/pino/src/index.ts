/**
 * @clogs/pino: pino's transport target for clogs. `pino.transport({ target: '@clogs/pino',
 * options: { servers, defaults } })` runs it in pino's worker thread; every line becomes
 * one record, and what is queued at exit is delivered before the worker ends.
 */
import { clogsTransport } from './transport.js';

export { PinoTransportError, type PinoTransportErrorCode } from './errors.js';
export type { ClogsPinoOptions } from './options.js';
export { clogsTransport };
export default clogsTransport;
