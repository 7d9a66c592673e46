// clogs-cli --follow as users run it: a real clogs-cli process following real files
// that a writer appends to and rotates (rename, copy-truncate), shipping to a real
// clogs-server process. SIGKILLed and started again: follow-kill.test.ts.
import { appendFileSync, copyFileSync, renameSync, truncateSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { misses } from '../../../test/support/pipeline.js';
import { allDelivered, following, line, lines, startServer as serverProcess } from './follow-support.js';
import { type CliProcess, startCli, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();
const local = useServer('clogs-follow-');

/** A clogs-server process on port 0 writing under `data`; killed after the test. */
const startServer = async (data: string) => (await serverProcess(data, cleanups)).spec;

function follow(server: string, args: string[]): CliProcess {
  return startCli(['-s', server, '--ack', ...args], { cleanups });
}

/** Waits until the state file says the CLI has delivered `bytes` of the file now at `path`. */
async function checkpointed(stateFile: string, path: string, bytes: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const { ino } = await stat(path);
      const state = JSON.parse(await readFile(stateFile, 'utf8'));
      const cp = state.files.find((f: { ino: number }) => f.ino === ino);
      expect(cp?.offset ?? 0, `checkpoint of ${path}`).toBeGreaterThanOrEqual(bytes);
    },
    { timeout: 15_000, interval: 20 },
  );
}

async function stopCli(cli: CliProcess) {
  cli.child.kill('SIGTERM');
  return await cli.exited;
}

describe('clogs-cli --follow', () => {
  it('rotation by rename and by copy-truncate under load: every line at the server', async () => {
    const data = join(local.dir, 'data');
    const logs = join(local.dir, 'logs');
    await mkdir(logs);
    const server = await startServer(data);
    const app = join(logs, 'app.log');
    await writeFile(app, '');
    const stateFile = join(local.dir, 'state.json');
    const cli = follow(server, ['--follow', join(logs, 'app.log*'), '--state-file', stateFile]);
    await following(cli);
    const N = 30_000;
    const BLOCK = 500;
    for (let i = 0; i < N; i += BLOCK) {
      appendFileSync(app, lines(i, i + BLOCK));
      // Each rotation comes once the follower is part-way into the file.
      if (i === 10_000 || i === 20_000) await checkpointed(stateFile, app, 100_000);
      if (i === 10_000) {
        // logrotate's default: rename, then the app opens a new file.
        renameSync(app, `${app}.1`);
        appendFileSync(app, '');
      } else if (i === 20_000) {
        // copytruncate: copy, then cut the file the app keeps writing to.
        copyFileSync(app, `${app}.2`);
        truncateSync(app, 0);
      }
      // Paced, so the follower reads while the file grows and rotates.
      await delay(2);
    }
    const counts = await allDelivered([data], N, 30_000, cli);
    const { code, err } = await stopCli(cli);
    expect(code, err).toBe(143);
    const summary = err.trim().split('\n').at(-1)!;
    expect(summary).toMatch(/3 files followed \(0 resumed\), 2 rotations \(1 renamed, 1 truncated\)/);
    expect(misses(counts).missingCount).toBe(0);
    // The copy of copy-truncate is known by its first bytes: read on from where its original was.
    expect(misses(counts).repeated, 'lines repeated').toEqual([]);
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    const sizes = Object.fromEntries(
      await Promise.all(
        ['app.log', 'app.log.1', 'app.log.2'].map(
          async (n) => [n, (await stat(join(logs, n))).size] as const,
        ),
      ),
    );
    const offsets = Object.fromEntries(
      state.files.map((f: { path: string; offset: number }) => [f.path.slice(logs.length + 1), f.offset]),
    );
    expect(offsets, 'every file checkpointed at its end').toEqual(sizes);
  }, 60_000);

  it('a last line without newline is sent once --partial-timeout passes, and the checkpoint moves past it', async () => {
    const data = join(local.dir, 'data');
    const server = await startServer(data);
    const file = join(local.dir, 'app.log');
    await writeFile(file, '');
    const stateFile = join(local.dir, 'state.json');
    const cli = follow(server, ['--follow', file, '--state-file', stateFile, '--partial-timeout', '300']);
    await following(cli);
    const text = `${lines(0, 3)}${line(3).slice(0, -1)}`;
    await writeFile(file, text);
    await allDelivered([data], 4);
    const { code, err } = await stopCli(cli);
    expect(code, err).toBe(143);
    expect(err.trim().split('\n').at(-1)).toMatch(/^clogs-cli: 4 lines read, 4 sent, 4 acked, 0 refused/);
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(state.files[0].offset).toBe(Buffer.byteLength(text));
  }, 30_000);

  it('a last line without newline too long for a datagram is counted once its wait is over, not left waiting', async () => {
    const data = join(local.dir, 'data');
    const server = await startServer(data);
    const file = join(local.dir, 'app.log');
    await writeFile(file, '');
    const stateFile = join(local.dir, 'state.json');
    const cli = follow(server, ['--follow', file, '--state-file', stateFile, '--partial-timeout', '200']);
    await following(cli);
    // Longer than any datagram (65,507 bytes), shorter than one read: it waits for its newline.
    const long = `P1 TXT ${'z'.repeat(100_000)}`;
    await writeFile(file, `${lines(0, 2)}${long}`);
    await allDelivered([data], 2);
    await vi.waitFor(
      () => {
        if (!/refused: line too long/.test(cli.err())) throw new Error(`not refused yet: ${cli.err()}`);
      },
      { timeout: 10_000, interval: 20 },
    );
    // Its newline and one more line: the rest of the long line is skipped, the next is sent.
    appendFileSync(file, `${'z'.repeat(10)}\n${line(2)}`);
    await allDelivered([data], 3);
    const { code, err } = await stopCli(cli);
    expect(code, 'stopped by SIGTERM: the signal comes before the refusal').toBe(143);
    expect(err.trim().split('\n').at(-1)).toMatch(
      /^clogs-cli: 4 lines read, 3 sent, 3 acked, 1 refused \(1 too-long\), 1 file followed/,
    );
  }, 30_000);

  it('--from end (the default) skips what a file held at the first run, --from start reads it; a restart resumes', async () => {
    const data = join(local.dir, 'data');
    const server = await startServer(data);
    const file = join(local.dir, 'app.log');
    await writeFile(file, lines(0, 10));
    // --from end: only what is appended after the start.
    const end = follow(server, [
      '--follow',
      file,
      '--state-file',
      join(local.dir, 'end.json'),
      '--file',
      'end',
    ]);
    await following(end);
    appendFileSync(file, line(10));
    await vi.waitFor(
      async () =>
        expect(await readFile(join(data, 'P2', 'end.log'), 'utf8').catch(() => '')).toContain('00000010'),
      { timeout: 15_000, interval: 50 },
    );
    const endRun = await stopCli(end);
    expect(endRun.err.trim().split('\n').at(-1)).toMatch(/^clogs-cli: 1 line read, 1 sent, 1 acked/);
    // --from start: all eleven.
    const startState = join(local.dir, 'start.json');
    const args = ['--follow', file, '--state-file', startState, '--from', 'start', '--file', 'start'];
    const start = follow(server, args);
    await following(start);
    await vi.waitFor(
      async () => {
        const st = JSON.parse(await readFile(startState, 'utf8'));
        expect(st.files[0]?.offset).toBe((await stat(file)).size);
      },
      { timeout: 15_000, interval: 50 },
    );
    const startRun = await stopCli(start);
    expect(startRun.err.trim().split('\n').at(-1)).toMatch(/^clogs-cli: 11 lines read, 11 sent, 11 acked/);
    // Started again on the same state: the eleven are not read again; a twelfth is.
    appendFileSync(file, line(11));
    const again = follow(server, args);
    await following(again);
    expect(again.err()).toContain('(1 resumed)');
    await vi.waitFor(
      async () => {
        const st = JSON.parse(await readFile(startState, 'utf8'));
        expect(st.files[0]?.offset).toBe((await stat(file)).size);
      },
      { timeout: 15_000, interval: 50 },
    );
    const againRun = await stopCli(again);
    expect(againRun.err.trim().split('\n').at(-1)).toMatch(
      /^clogs-cli: 1 line read, 1 sent, 1 acked, 0 refused, 1 file followed \(1 resumed\)/,
    );
  }, 45_000);

  it('a state file that cannot be written stops it at start (exit 73), one that is not a state file too (66)', async () => {
    const server = await startServer(join(local.dir, 'data'));
    const file = join(local.dir, 'app.log');
    await writeFile(file, lines(0, 5));
    // A path under a regular file: no one can create it, root included.
    const cant = follow(server, [
      '--follow',
      file,
      '--state-file',
      join(file, 'state.json'),
      '--from',
      'start',
    ]);
    const c = await cant.exited;
    expect(c.code, c.err).toBe(73);
    expect(c.err).toMatch(/state file .*state\.json cannot be written: ENOTDIR.*\[ERR_CLI_CANT_CREATE\]/);
    expect(c.err).not.toMatch(/lines read/);
    const bad = join(local.dir, 'bad.json');
    await writeFile(bad, '{"not": "a state file"}');
    const notState = follow(server, ['--follow', file, '--state-file', bad]);
    const n = await notState.exited;
    expect(n.code, n.err).toBe(66);
    expect(n.err).toMatch(/is not a clogs-cli --follow state file/);
    expect(await readFile(bad, 'utf8'), 'left as it was').toBe('{"not": "a state file"}');
    // The files are its buffer: a spool beside them is refused, nothing read.
    const spooled = follow(server, ['--follow', file, '--spool', join(local.dir, 'spool')]);
    const sp = await spooled.exited;
    expect(sp.code, sp.err).toBe(64);
    expect(sp.err).toMatch(/--follow keeps its place in the files .*--spool is for pipe mode/);
  }, 30_000);
  it('a state file that can no longer be saved stops the run with exit 74, saying why', async () => {
    const data = join(local.dir, 'data');
    const server = await startServer(data);
    const file = join(local.dir, 'app.log');
    await writeFile(file, '');
    const stateDir = join(local.dir, 'state');
    await mkdir(stateDir);
    const cli = follow(server, ['--follow', file, '--state-file', join(stateDir, 'state.json')]);
    await following(cli);
    // Its folder gone: the next save (after the next window) cannot rename into it.
    await rm(stateDir, { recursive: true });
    appendFileSync(file, lines(0, 3));
    const { code, err } = await cli.exited;
    expect(code, err).toBe(74);
    expect(err).toMatch(/cannot save the state file .*state\.json: ENOENT/);
    expect(err.trim().split('\n').at(-1)).toMatch(/state file not saved: ENOENT/);
  }, 30_000);
});
