/**
 * The CommonJS entry (`require('@clogs/pino')`, and pino's worker, which resolves a
 * target with require): the transport itself is loaded from the ESM build beside it, so
 * the worker runs on @clogs/client's ESM build. Its CJS build is rewritten for
 * `require` chunk by chunk, and the rewrite turns optional chaining, class fields and
 * every call into another chunk into helper calls on the per-line path: a quarter more
 * of the worker's CPU per line (bench/README.md, "Transports").
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esm from './index.js';
import type { LineDestination } from './line-destination.js';
import type { ClogsPinoOptions } from './options.js';

export { PinoTransportError, type PinoTransportErrorCode } from './errors.js';
export type { ClogsPinoOptions } from './options.js';

/** Built to dist/index.cjs, beside dist/index.js. */
const esmBuild = pathToFileURL(join(__dirname, 'index.js')).href;

/** The ESM build's {@link Esm.clogsTransport}. */
export async function clogsTransport(options: ClogsPinoOptions): Promise<LineDestination> {
  const esm = (await import(esmBuild)) as typeof Esm;
  return esm.clogsTransport(options);
}
export default clogsTransport;
