// A flood of valid datagrams with random sender ids, sys_ids and file names from a
// separate process at a clogs-server process with its defaults: its memory (VmRSS) and
// its files stay within the bounds the server README states, and a real clogs-cli's
// at-least-once lines, sent during the flood, all land.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
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
 * The README's memory bound at the defaults, 256 MiB: Node and the server at rest
 * (~90 MiB), the replay windows (maxReplayBytes, 64 MiB), buffered chunks
 * (maxPendingBytes, 64 MiB), and the writer's state for maxFiles names.
 */
const MAX_RSS_BYTES = 256 * 2 ** 20;
/** Datagrams in the flood, and the most time it may take. */
const FLOOD_COUNT = 1_000_000;
const FLOOD_MAX_MS = 25_000;
/** The real client's lines, sent at-least-once once the flood is under way. */
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
    // The client's files (P0..P7/cli.log) are there before the server starts: known
    // files, whose records flow while the flood fills the file bound with new names.
    for (let p = 0; p < 8; p++) {
      await mkdir(join(data, `P${p}`), { recursive: true, mode: 0o750 });
      await writeFile(join(data, `P${p}`, 'cli.log'), '');
    }
    server = ServerProcess.start(['--port', '0', '--data-dir', data]);
    const port = await server.port();
    const pid = server.child.pid!;
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
    let floodWake: (() => void) | undefined;
    flood.stdout.setEncoding('utf8').on('data', (s: string) => {
      floodOut += s;
      floodWake?.();
    });
    let flooding = true;
    const floodDone = new Promise<number | null>((resolve) => flood.on('exit', resolve));
    void floodDone.then(() => {
      flooding = false;
      floodWake?.();
    });
    // The client starts once the flood is well under way.
    while (flooding && !floodOut.includes('flood at 100000')) {
      await new Promise<void>((resolve) => {
        floodWake = resolve;
      });
    }
    expect(flooding, `the flood ended before the client started: ${floodOut}`).toBe(true);
    // The flood fills the server's receive buffer, so pings go unanswered for a while:
    // the client is told to wait for its server rather than give it up as down.
    const cli = shellPipeline(producerCommand(['fast', String(N)]), [
      '-s',
      `127.0.0.1:${port}`,
      '--ack',
      '--wait-for-servers',
      '--timeout',
      '60000',
    ]);
    let cliDone = false;
    let floodingWhenCliDone = false;
    void cli.exited.then(() => {
      cliDone = true;
      floodingWhenCliDone = flooding;
    });
    let peak = 0;
    while (flooding || !cliDone) {
      peak = Math.max(peak, await rss(pid));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await floodDone).toBe(0);
    const sent = Number(/flood sent (\d+)/.exec(floodOut)?.[1]);
    const { code, stderr } = await cli.exited;
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, ${N} acked, 0 refused`);
    expect(code, stderr).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const stats = JSON.parse(/clogs-server stopped (\{.*\})\n/.exec(server.stderr)![1]!);
    // What the run measured (the flood's speed depends on the machine): for the record.
    console.log(
      `${floodOut.trim().split('\n').at(-1)}; the server took ${stats.datagrams} datagrams, refused ` +
        `${stats.dropped.file_limit} as file_limit; the kernel dropped ${stats.kernelDrops}; peak VmRSS ` +
        `${Math.round(peak / 2 ** 20)} MiB (replay windows ${Math.round(stats.replayBytes / 2 ** 20)} MiB at the end); ` +
        `${stats.writer.filesOnDisk} files; the client ended ${floodingWhenCliDone ? 'during' : 'after'} the flood`,
    );
    // The flood went past the file bound: the bound was reached, held, and new names refused, counted.
    expect(sent).toBeGreaterThanOrEqual(100_000);
    expect(stats.writer.filesOnDisk).toBe(MAX_FILES);
    expect(stats.dropped.file_limit).toBeGreaterThan(0);
    expect(stats.dropped.malformed).toBe(0);
    expect(peak).toBeLessThanOrEqual(MAX_RSS_BYTES);
    const files = await countFiles(data);
    expect(files).toBeLessThanOrEqual(MAX_FILES);
    expect(stats.writer.filesOnDisk).toBe(files);
    expect(misses((await countProduced([data], N)).counts)).toEqual({
      missing: [],
      repeated: [],
      missingCount: 0,
    });
  }, 120_000);
});
