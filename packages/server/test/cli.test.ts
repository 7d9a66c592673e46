import { EventEmitter } from 'node:events';
import { chown, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { encodeLogFrame, Flag, Kind } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { runServerCommand, ServerProcess } from '../../../test/support/server-process.js';
import { createServer, main, parseLine } from '../src/index.js';
import { Peer, readLines, serverProcess, splitLines, tempDir } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('clogs-server command', () => {
  it('--help prints usage and exits 0', async () => {
    const { code, stdout } = await runServerCommand(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: clogs-server');
    expect(stdout).toContain('--ack-after-write');
    expect(stdout).toContain('clogs-server keygen <file>');
    expect(stdout).toContain('--insecure');
  });

  it('exits 64 on a bad command line', async () => {
    const unknown = await runServerCommand(['--bogus']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    const size = await runServerCommand(['--roll-bytes', 'lots']);
    expect(size.code).toBe(64);
    expect(size.stderr).toContain('--roll-bytes must be a size');
  });

  it('exits 66 when the key file cannot be read', async () => {
    const { code, stderr } = await runServerCommand(['--port', '0', '--key-file', '/nonexistent/clogs.key']);
    expect(code).toBe(66);
    expect(stderr).toMatch(
      /^clogs-server: key file \/nonexistent\/clogs\.key .*ENOENT.*\[ERR_PROTOCOL_KEY_FILE\]\n$/,
    );
  });

  it('exits 71 when the port is taken', async () => {
    const dataDir = await tempDir();
    const other = await createServer({ port: 0, dataDir });
    cleanups.push(async () => {
      await other.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const { code, stderr } = await runServerCommand([
      '--port',
      String(other.address.port),
      '--data-dir',
      dataDir,
    ]);
    expect(code).toBe(71);
    expect(stderr).toContain('ERR_SERVER_LISTEN');
  });

  it('serves until SIGTERM, then writes everything it ACKed and exits 0 (--ack-early); SIGUSR1 prints stats', async () => {
    const { p, dataDir } = await serverProcess(['--flush-ms', '60000', '--ack-early'], cleanups);
    const peer = await Peer.open(await p.port(), '127.0.0.1');
    cleanups.push(async () => peer.close());
    const n = 500;
    // a window of 100 frames at a time, as a client would keep, so no socket buffer overflows
    for (let seq = 1; seq <= n; seq++) {
      const records = [
        { sysId: 'PRC', msgType: 'TXT', fileName: 'proc', msg: `line ${seq}\nwith a newline` },
      ];
      await peer.send(encodeLogFrame(records, { sender: 3, seq, flags: Flag.ACK_WANTED }));
      if (seq % 100 === 0) await peer.waitFor(() => peer.count(Kind.ACK) === seq);
    }
    p.child.kill('SIGUSR1');
    await p.until(() => p.stderr.includes('clogs-server stats '), 'stats on SIGUSR1');
    const stats = JSON.parse(/clogs-server stats (.*)\n/.exec(p.stderr)![1]!);
    expect(stats).toMatchObject({ frames: n, records: n });
    expect(stats.writer.pendingBytes).toBeGreaterThan(0); // the last lines wait in memory: flushMs is a minute
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const lines = await readLines(dataDir, 'PRC', 'proc');
    expect(lines.map((l) => parseLine(l)!.msg.toString())).toEqual(
      Array.from({ length: n }, (_, i) => `line ${i + 1}\nwith a newline`),
    );
  });
});

describe('clogs-server writer flags and SIGHUP', () => {
  it('takes the bounds flags; a bad value exits 64 naming the flag', async () => {
    const help = await runServerCommand(['--help']);
    for (const flag of [
      '--max-total-bytes',
      '--max-files',
      '--allow-sys',
      '--roll-every',
      '--file-mode',
      '--dir-mode',
    ])
      expect(help.stdout).toContain(flag);
    for (const [flag, value, says] of [
      ['--max-total-bytes', 'lots', '--max-total-bytes must be a size'],
      ['--max-files', '1e4', '--max-files must be a whole number'],
      ['--allow-sys', 'TOOLONG', 'allowSys must be sys_ids'],
      ['--roll-every', 'week', '--roll-every must be hour or day'],
      ['--file-mode', '999', '--file-mode must be octal'],
      ['--dir-mode', 'rwx', '--dir-mode must be octal'],
    ] as const) {
      // main() in-process: a bad value is refused before anything starts
      let stderr = '';
      const io = {
        stdout: new PassThrough(),
        stderr: new PassThrough().on('data', (b: Buffer) => (stderr += b)),
        signals: new EventEmitter(),
        version: '0',
      };
      expect(await main(['--port', '0', flag, value], io), stderr).toBe(64);
      expect(stderr).toContain(says);
    }
  });

  it('exits 71 with ERR_SERVER_DATA_DIR for a data dir owned by another user', async () => {
    const parent = await tempDir();
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const foreign = join(parent, 'foreign');
    await mkdir(foreign);
    expect(process.getuid!(), 'this case needs root to give the folder away').toBe(0);
    await chown(foreign, 65534, 65534);
    const { code, stderr } = await runServerCommand(['--port', '0', '--data-dir', foreign]);
    expect(code).toBe(71);
    expect(stderr).toContain('ERR_SERVER_DATA_DIR');
    expect(stderr).toContain('owned by uid 65534');
  });

  it('SIGHUP reopens the files (after a rename, lines go to a new file) and does not stop the server', async () => {
    const { p, dataDir } = await serverProcess(['--allow-sys', 'HUP'], cleanups);
    const peer = await Peer.open(await p.port());
    cleanups.push(async () => peer.close());
    const send = async (seq: number, msg: string) => {
      await peer.send(
        encodeLogFrame([{ sysId: 'HUP', msgType: 'TXT', fileName: 'f', msg }], {
          sender: 4,
          seq,
          flags: Flag.ACK_WANTED,
        }),
      );
      await peer.waitForAck(4, seq);
    };
    await send(1, 'before');
    await rename(join(dataDir, 'HUP', 'f.log'), join(dataDir, 'HUP', 'f.log.1'));
    p.child.kill('SIGHUP');
    await p.until(() => p.stderr.includes('reopened its files (SIGHUP)'), 'the reopen');
    await send(2, 'after');
    expect(p.child.exitCode).toBe(null);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const msgs = async (f: string) =>
      splitLines(await readFile(join(dataDir, 'HUP', f))).map((l) => parseLine(l)!.msg.toString());
    expect(await msgs('f.log.1')).toEqual(['before']);
    expect(await msgs('f.log')).toEqual(['after']);
    expect(p.stderr).toContain('"reopens":1');
  });
});

describe('clogs-server signalled the moment it says it is listening (what a supervisor does)', () => {
  const TIMES = 20;
  const AT_ONCE = 5;

  /** Starts a server, sends `signal` in the same turn its listening line arrives; resolves with how it ended. */
  async function signalAtReady(signal: NodeJS.Signals) {
    const dir = await tempDir();
    const p = ServerProcess.start(['--port', '0', '--data-dir', dir]);
    try {
      await p.until(() => p.stdout.includes('listening on'), 'the listening line');
      p.child.kill(signal);
      if (signal === 'SIGUSR1') {
        await p.until(() => p.stderr.includes('clogs-server stats {'), 'the stats line');
        p.child.kill('SIGTERM');
      }
      const code = await p.exited;
      return { code, killedBy: p.child.signalCode, stderr: p.stderr };
    } finally {
      p.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  }

  it.each(['SIGUSR1', 'SIGTERM', 'SIGINT'] as const)(
    `${TIMES} times %s: SIGUSR1 prints stats, SIGINT/SIGTERM stop cleanly with exit 0; never the inspector, never killed`,
    async (signal) => {
      const outcomes: Awaited<ReturnType<typeof signalAtReady>>[] = [];
      for (let i = 0; i < TIMES; i += AT_ONCE) {
        outcomes.push(...(await Promise.all(Array.from({ length: AT_ONCE }, () => signalAtReady(signal)))));
      }
      const bad = outcomes.filter(
        (o) => o.code !== 0 || o.killedBy !== null || o.stderr.includes('Debugger listening'),
      );
      expect(bad, `${bad.length} of ${TIMES} runs ended badly`).toEqual([]);
      // A clean stop says so: everything written and fsynced, then the final stats.
      const unclean = outcomes.filter((o) => !o.stderr.includes('clogs-server stopped {'));
      expect(unclean, 'runs without the final stats line').toEqual([]);
    },
    60_000,
  );
});
