import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerError } from '../errors.js';
import { EXPOSITION_CONTENT_TYPE } from './exposition.js';

/** Where a metrics endpoint listens: `--metrics HOST:PORT`. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * `HOST:PORT`, `[IPv6]:PORT`, or a bare `PORT` (on 127.0.0.1); port 0 for any free one.
 * @throws {ServerError} `ERR_SERVER_BAD_OPTION` naming `flag`.
 */
export function parseMetricsAddress(text: string, flag = '--metrics'): MetricsAddress {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):)?(\d{1,5})$/.exec(text);
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || port > 65_535) {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `${flag} must be HOST:PORT, [IPv6]:PORT or PORT (port 0..65535), e.g. 127.0.0.1:9464`,
    );
  }
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

/** A running `/metrics` endpoint. */
export interface MetricsEndpoint {
  /** The bound address (the port the OS chose for port 0). */
  readonly host: string;
  readonly port: number;
  /** `http://HOST:PORT/metrics`, IPv6 hosts in brackets: what a scrape config names. */
  readonly url: string;
  /** Stops listening and ends open connections (scrapers keep theirs alive). */
  close(): Promise<void>;
}

/**
 * Serves `render()` on `GET /metrics` (and HEAD) over HTTP; other paths are 404, other
 * methods 405. Each scrape renders afresh; a render that throws answers 500 with the
 * reason, and the endpoint serves on.
 * @throws {ServerError} `ERR_SERVER_LISTEN` when the address cannot be bound.
 */
export async function serveMetrics(address: MetricsAddress, render: () => string): Promise<MetricsEndpoint> {
  const http = createServer((req, res) => answer(req, res, render));
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err) =>
      reject(
        new ServerError(
          'ERR_SERVER_LISTEN',
          `cannot serve metrics on ${address.host}:${address.port}: ${err.message}`,
          {
            cause: err,
          },
        ),
      ),
    );
    http.listen(address.port, address.host, () => resolve());
  });
  const bound = http.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  return {
    host: bound.address,
    port: bound.port,
    url: `http://${shown}:${bound.port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      return closing;
    },
  };
}

function answer(req: IncomingMessage, res: ServerResponse, render: () => string): void {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  let body: string;
  try {
    body = render();
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
    return;
  }
  res.writeHead(200, {
    'content-type': EXPOSITION_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
