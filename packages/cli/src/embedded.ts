import { resolve } from 'node:path';
import { type ClogsServer, createServer } from 'clogs-server';

/** An in-process clogs-server on 127.0.0.1, port 0: the default when no server is named. */
export interface Embedded {
  server: ClogsServer;
  /** The server spec the client uses. */
  spec: string;
  /** Where its files go, absolute. */
  dataDir: string;
}

export async function startEmbedded(dataDir: string): Promise<Embedded> {
  const dir = resolve(dataDir);
  const server = await createServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  return { server, spec: `127.0.0.1:${server.address.port} embedded`, dataDir: dir };
}

/**
 * Waits until the embedded server has taken `frames` frames (written, deduplicated or
 * dropped) or `timeoutMs` passed: records the client sent at-most-once may still sit in
 * the server's socket when the client is done, and closing the server then would lose them.
 */
export async function drainEmbedded(e: Embedded, frames: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = e.server.stats();
    const taken = s.frames + s.duplicates + Object.values(s.dropped).reduce((a, b) => a + b, 0);
    if (taken >= frames) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
