import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { createClient } from '../src/index.js';
import { messages, once, POLL, received, startFleet, useFleet } from './helpers.js';

const t = useFleet();

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));

/** Runs the child script; resolves with its exit code, output and how long it lived. */
function child(args: string[], ms = 15_000): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', CHILD, ...args], {
      cwd: ROOT,
    });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    p.stderr.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`child still alive after ${ms} ms: ${out}`));
    }, ms);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

describe('client lifecycle and real server processes', () => {
  it('isolates a server whose process was killed', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'clogs-killed-'));
    const proc = ServerProcess.start(['--port', '0', '--data-dir', dataDir]);
    try {
      const port = await proc.port();
      t.client = createClient({
        servers: [`127.0.0.1:${port} doomed`],
        defaults: { sysId: 'KIL', msgType: 'TXT', fileName: 'k' },
        ping: { intervalMs: 50, failureLimit: 2 },
      });
      await vi.waitFor(() => expect(t.client!.stats().servers[0]!.rttMs, 'a first pong').toBeDefined(), POLL);
      proc.child.kill('SIGKILL');
      const down = await once<{ server: string; reason: string }>(t.client, 'down', 5000);
      expect(down.server).toBe('doomed');
      // the kernel answers pings to a dead port with ICMP port unreachable
      expect(['refused', 'no-pong']).toContain(down.reason);
      expect(t.client.route('KIL/k')).toBeUndefined();
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it.each(['at-most-once', 'at-least-once'] as const)(
    'paced sending: a 100,000-record burst reaches a clogs-server process with no receive-buffer drops (%s)',
    async (delivery) => {
      const dataDir = await mkdtemp(join(tmpdir(), 'clogs-burst-'));
      const proc = ServerProcess.start(['--port', '0', '--data-dir', dataDir]);
      try {
        const port = await proc.port();
        t.client = createClient({
          servers: [`127.0.0.1:${port}`],
          defaults: { sysId: 'BUR', msgType: 'TXT', fileName: 'burst' },
          maxDatagramBytes: 8192,
          delivery,
        });
        // One turn: the whole burst is queued before the event loop gets a chance to send.
        for (let i = 0; i < 100_000; i++) t.client.log(`burst ${i} ${'b'.repeat(80)}`);
        expect(await t.client.flush({ timeoutMs: 20_000 })).toBe(true);
        const stats = async () => {
          const seen = proc.stderr.length;
          proc.child.kill('SIGUSR1');
          await proc.until(() => proc.stderr.indexOf('\n', seen) > 0, 'the stats line');
          return JSON.parse(/clogs-server stats (.*)\n/.exec(proc.stderr.slice(seen))![1]!) as {
            records: number;
            kernelDrops: number;
          };
        };
        // Until every record is in, or the kernel has dropped some (no point waiting then).
        const s = await vi.waitFor(
          async () => {
            const s = await stats();
            if (s.kernelDrops === 0) expect(s.records, 'records at the server').toBe(100_000);
            return s;
          },
          { timeout: 20_000, interval: 20 },
        );
        expect(s).toMatchObject({ records: 100_000, kernelDrops: 0 });
      } finally {
        proc.child.kill('SIGKILL');
        await proc.exited;
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  );

  it('an awaited flush() keeps the process alive until every ACK is in (at-least-once, late ACKs)', async () => {
    t.fleet = await startFleet(1, { faults: { ackDelayMs: 150 } });
    const { code, out } = await child(['flush-alo', String(t.fleet.servers[0]!.address.port), '10']);
    expect(out).toContain('flushed true acked=10');
    expect(code).toBe(0);
  });

  it('an idle client does not keep the process alive', async () => {
    t.fleet = await startFleet(1);
    const { code, out } = await child(['idle', String(t.fleet.servers[0]!.address.port)]);
    expect(code).toBe(0);
    // Nothing to wait for: the process ends once its module has run and the address
    // resolved, before the first PING interval (1 s): no timer of the client held it.
    expect(Number(/idle exit (\d+) ms after createClient/.exec(out)?.[1]), out).toBeLessThan(1000);
  });

  it('a process that logs and calls close() exits promptly with every record delivered', async () => {
    t.fleet = await startFleet(1);
    const { code, out } = await child(['close', String(t.fleet.servers[0]!.address.port), '20000']);
    expect(code).toBe(0);
    expect(out).toContain('closed undelivered=0');
    await vi.waitFor(() => expect(received(t.fleet!), 'the child’s records').toBe(20_000), POLL);
  });

  describe('the process-lifetime rule: an app that logs and simply ends (no close())', () => {
    /** A clogs-server process; `done()` stops it cleanly and returns the messages in its file. */
    async function serverProcess() {
      const dataDir = await mkdtemp(join(tmpdir(), 'clogs-end-'));
      const proc = ServerProcess.start(['--port', '0', '--data-dir', dataDir, '--quiet']);
      const port = await proc.port();
      return {
        port,
        async done() {
          proc.child.kill('SIGTERM');
          expect(await proc.exited, `server exit code; stderr: ${proc.stderr}`).toBe(0);
          const got = await messages(dataDir, 'EXIT', 'child');
          await rm(dataDir, { recursive: true, force: true });
          return got;
        },
      };
    }

    /** A port nothing listens on: pings to it get ICMP port unreachable. */
    async function deadPort(): Promise<number> {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const port = socket.address().port;
      await new Promise<void>((resolve) => socket.close(resolve));
      return port;
    }

    /** How long the child lived after its first log() call, from its own report. */
    const lived = (out: string) =>
      Number(/exit (\d+) ms after the first log\(\)/.exec(out)?.[1] ?? Number.NaN);

    it.each(['end', 'end-alo'])(
      '%s: all 20,000 records reach a clogs-server process, and the process ends by itself as soon as they have',
      async (mode) => {
        const server = await serverProcess();
        const { code, out } = await child([mode, String(server.port), '20000']);
        const got = await server.done();
        expect(code, out).toBe(0);
        expect(got.length, out).toBe(20_000);
        expect(new Set(got).size).toBe(20_000);
        expect(out).not.toContain('drop');
        if (mode === 'end-alo') expect(out).toContain('acked=20000');
        // 20,000 records are ~60 full frames: loopback delivers them in tens of ms.
        expect(lived(out), out).toBeLessThan(1000);
      },
    );

    it.each(['end', 'end-alo'])(
      '%s with the only server down: holds the process exitTimeoutMs, then drops the rest as exit_timeout and ends',
      async (mode) => {
        const port = await deadPort();
        const { code, out } = await child([mode, String(port), '20000', '800']);
        expect(code, out).toBe(0);
        expect(out).toContain('drop exit_timeout 20000\n');
        expect(out).toContain('sent=0 acked=0');
        // Held for exitTimeoutMs from the first log() (no record delivered since), then let
        // go: the client checks every 10 ms, and a timer fires a few ms late.
        expect(lived(out), out).toBeGreaterThanOrEqual(800);
        expect(lived(out), out).toBeLessThan(800 + 150);
      },
    );

    it('a producer waiting for drain with the only server down: one exit_timeout drop of all it logged, no second round', async () => {
      const port = await deadPort();
      const { code, out } = await child(['drain', String(port), '1000000', '800']);
      expect(code, out).toBe(0);
      const accepted = Number(/accepted=(\d+)/.exec(out)?.[1]);
      // The producer stopped at the high-water mark (2 MiB of ~150-byte records), far short of a million.
      expect(accepted, out).toBeGreaterThan(10_000);
      expect(accepted, out).toBeLessThan(20_000);
      expect(out.match(/drop /g), out).toEqual(['drop ']);
      expect(out).toContain(`drop exit_timeout ${accepted}\n`);
      expect(lived(out), out).toBeGreaterThanOrEqual(800);
      expect(lived(out), out).toBeLessThan(800 + 150);
    });
  });
});
