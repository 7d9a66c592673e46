// The real logrotate (Debian's package) against a clogs-server process under
// at-least-once load from a real clogs-cli process: rename, then `kill -HUP` in
// postrotate, as the server README's recipe says. Every line once across the rotated
// and new files, none split.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseLine } from 'clogs-server';
import { afterEach, describe, expect, it } from 'vitest';
import { misses, producerCommand, shellPipeline, summaryLine } from './support/pipeline.js';
import { ServerProcess } from './support/server-process.js';

const run = promisify(execFile);
const LOGROTATE = '/usr/sbin/logrotate';

let dir = '';
let server: ServerProcess | undefined;
afterEach(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  server = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Every line of every file under `data`, by producer index; a line that does not parse is counted as split. */
async function countAll(
  data: string,
  n: number,
): Promise<{ counts: Uint8Array; split: number; files: string[] }> {
  const counts = new Uint8Array(n);
  let split = 0;
  const files = ((await readdir(data, { recursive: true })) as string[]).filter((f) => f.includes('/'));
  for (const name of files) {
    const path = join(data, name);
    if (!(await stat(path)).isFile()) continue;
    const text = await readFile(path);
    if (text.length > 0 && text[text.length - 1] !== 0x0a) split++;
    for (let at = 0, lf = text.indexOf(0x0a); lf >= 0; at = lf + 1, lf = text.indexOf(0x0a, at)) {
      const msg = parseLine(text.subarray(at, lf))?.msg;
      const i = msg === undefined ? Number.NaN : Number(msg.toString('latin1', 0, 8));
      if (Number.isInteger(i) && i >= 0 && i < n) counts[i] = Math.min(255, counts[i]! + 1);
      else split++;
    }
  }
  return { counts, split, files };
}

/** Bytes in the live P0..P7/cli.log files now. */
async function liveBytes(data: string): Promise<number> {
  let total = 0;
  for (let p = 0; p < 8; p++)
    total += await stat(join(data, `P${p}`, 'cli.log')).then(
      (s) => s.size,
      () => 0,
    );
  return total;
}

describe('logrotate against clogs-server under load', () => {
  it('rename + postrotate kill -HUP: every line once across rotated and new files, none split', async () => {
    dir = await mkdtemp(join(tmpdir(), 'clogs-logrotate-'));
    const data = join(dir, 'data');
    server = ServerProcess.start(['--port', '0', '--data-dir', data]);
    const port = await server.port();
    const pid = server.child.pid!;
    const conf = join(dir, 'clogs.conf');
    // The recipe of the server README, with this test's paths.
    await writeFile(
      conf,
      `${data}/*/*.log {
  rotate 50
  missingok
  notifempty
  nocompress
  sharedscripts
  postrotate
    kill -HUP ${pid}
  endscript
}
`,
      { mode: 0o644 },
    );
    const N = 60_000;
    const cli = shellPipeline(producerCommand(['fast', String(N)]), [
      '-s',
      `127.0.0.1:${port}`,
      '--ack',
      '--timeout',
      '60000',
    ]);
    let cliDone = false;
    const cliExit = cli.exited.finally(() => {
      cliDone = true;
    });
    let rotations = 0;
    let duringLoad = 0;
    // Rotate each time the live files have grown, while the client is still sending.
    while (rotations < 4 && !cliDone) {
      const deadline = Date.now() + 20_000;
      while (!cliDone && (await liveBytes(data)) < 200_000) {
        if (Date.now() > deadline) throw new Error(`no growth; server: ${server.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (cliDone) break;
      const reopened = server.stderr.split('reopened its files').length;
      await run(LOGROTATE, ['-s', join(dir, 'state'), '-f', conf]);
      rotations++;
      if (!cliDone) duringLoad++;
      await server.until(() => server!.stderr.split('reopened its files').length > reopened, 'the reopen');
    }
    const { code, stderr } = await cliExit;
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, ${N} acked, 0 refused`);
    expect(code, stderr).toBe(0);
    expect(duringLoad, 'logrotate ran while lines were arriving').toBeGreaterThanOrEqual(3);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const { counts, split, files } = await countAll(data, N);
    expect(files.filter((f) => /\.log\.\d+$/.test(f)).length).toBeGreaterThanOrEqual(8 * duringLoad);
    expect(split).toBe(0);
    expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
  }, 60_000);
});
