import { resolve } from 'node:path';
import type { FrameKey } from '@clogs/protocol';
import { type ClogsServer, createServer } from 'clogs-server';

/** An in-process clogs-server on 127.0.0.1, port 0: the default when no server is named. */
export interface Embedded {
  server: ClogsServer;
  /** The server spec the client uses. */
  spec: string;
  /** Where its files go, absolute. */
  dataDir: string;
}

/**
 * Loopback only, always. With `--key-file` it holds the same key as the client (and
 * takes integrity-only frames when `--cipher integrity-only` asks for them).
 */
export async function startEmbedded(
  dataDir: string,
  key: FrameKey | undefined,
  cipher: string | undefined,
): Promise<Embedded> {
  const dir = resolve(dataDir);
  const sealing = key === undefined ? {} : { keys: [key], allowIntegrityOnly: cipher === 'integrity-only' };
  const server = await createServer({ host: '127.0.0.1', port: 0, dataDir: dir, ...sealing });
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
