import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LinkStats } from './lossy-link.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./lossy-link-process.ts', import.meta.url));

export interface LinkProcess {
  /** Where clients send: 127.0.0.1:port. */
  port: number;
  /** Stops the link; resolves with what it did to the datagrams. */
  stop(): Promise<LinkStats>;
}

/**
 * The lossy link (see lossy-link.ts) as its own process in front of `target`, shaped by
 * `args` (`--delay 25 --loss 0.05 ...`, see lossy-link-process.ts).
 */
export async function startLink(target: number, args: string[]): Promise<LinkProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ENTRY, '--target', `127.0.0.1:${target}`, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      const m = /lossy-link listening on udp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`lossy link exited ${code} before listening: ${out}`)));
  });
  const exited = once(child, 'exit');
  return {
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const m = /lossy-link stats (.*)\n/.exec(out);
      if (m === null) throw new Error(`lossy link printed no stats: ${out}`);
      return JSON.parse(m[1]!) as LinkStats;
    },
  };
}
