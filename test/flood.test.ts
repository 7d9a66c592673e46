// A flood of valid datagrams with random sender ids, sys_ids and file names from a
// separate process at a clogs-server process with its defaults: its memory (VmRSS) and
// its files stay within the bounds the server README states, and a real clogs-cli's
// at-least-once lines, sent during the flood, all land.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { countProduced, misses, producerCommand, shellPipeline, summaryLine } from './support/pipeline.js';
import { ServerProcess } from './support/server-process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FLOOD = fileURLToPath(new URL('./support/flood-process.ts', import.meta.url));

/** The README's bounds at the defaults. */
const MAX_FILES = 10_000;
/**
 * The README's memory bound at the defaults: Node and the server's code (~100 MiB),
 * maxPendingBytes of chunks (64 MiB), the dedupe's maxSenders x dedupeWindow x 4 bytes
 * (64 MiB), and the per-file state of maxFiles names (~1 KiB each, ~10 MiB).
 */
const MAX_RSS_BYTES = (100 + 64 + 64 + 10) * 2 ** 20;
/** Datagrams in the flood, and the most time it may take. */
const FLOOD_COUNT = 1_000_000;
const FLOOD_MAX_MS = 30_000;
/** The real client's lines, one every ms or so, so they arrive during the flood. */
const N = 10_000;

let dir = '';
let server: ServerProcess | undefined;
afterEach(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** The server's VmRSS, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

async function countFiles(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

describe('a flood of random senders, sys_ids and file names at clogs-server with its defaults', () => {
  it('memory and files stay within the README bounds; a real client at-least-once loses nothing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'clogs-flood-'));
    const data = join(dir, 'data');
    server = ServerProcess.start(['--port', '0', '--data-dir', data]);
    const port = await server.port();
    const pid = server.child.pid!;
    // The client starts first: its 8 files (P0..P7/cli.log) exist before the flood
    // fills the file bound; from then on only new names are refused.
    const cli = shellPipeline(producerCommand(['trickle', String(N), '1']), [
      '-s',
      `127.0.0.1:${port}`,
      '--ack',
      '--timeout',
      '60000',
    ]);
    const deadline = Date.now() + 15_000;
    while ((await readdir(data).catch(() => [])).length < 8) {
      if (Date.now() > deadline) throw new Error(`the client's files did not appear: ${cli.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const flood = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        FLOOD,
        String(port),
        String(FLOOD_COUNT),
        String(FLOOD_MAX_MS),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let floodOut = '';
    flood.stdout.setEncoding('utf8').on('data', (s: string) => (floodOut += s));
    const floodDone = new Promise<number | null>((resolve) => flood.on('exit', resolve));
    let peak = 0;
    let flooding = true;
    void floodDone.then(() => (flooding = false));
    while (flooding) {
      peak = Math.max(peak, await rss(pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await floodDone).toBe(0);
    const sent = Number(/flood sent (\d+)/.exec(floodOut)?.[1]);
    const { code, stderr } = await cli.exited;
    peak = Math.max(peak, await rss(pid));
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, ${N} acked, 0 refused`);
    expect(code, stderr).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const stats = JSON.parse(/clogs-server stopped (\{.*\})\n/.exec(server.stderr)![1]!);
    console.log(
      `flood: ${floodOut.trim()}; server took ${stats.datagrams} datagrams, ${stats.dropped.file_limit} refused as file_limit, ` +
        `kernel dropped ${stats.kernelDrops}; peak VmRSS ${Math.round(peak / 2 ** 20)} MiB; ` +
        `${stats.writer.filesOnDisk} files on disk`,
      JSON.stringify({
        dropped: stats.dropped,
        errors: stats.errors,
        frames: stats.frames,
        writer: stats.writer,
      }),
    );
    // The flood was a flood: far past the file bound, and it was refused, counted.
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(stats.dropped.file_limit).toBeGreaterThan(50_000);
    expect(peak).toBeLessThanOrEqual(MAX_RSS_BYTES);
    const files = await countFiles(data);
    expect(files).toBeLessThanOrEqual(MAX_FILES);
    expect(stats.writer.filesOnDisk).toBe(files);
    expect(misses((await countProduced([data], N)).counts)).toEqual({
      missing: [],
      repeated: [],
      missingCount: 0,
    });
  }, 90_000);
});
