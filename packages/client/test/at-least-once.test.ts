import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { createClient } from '../src/index.js';
import { messages, once, received, startFleet, until, untilEveryServerPonged, useFleet } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
// Registered before useFleet(): after-hooks run last-registered first, so this runs once the
// client and fleet are closed.
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
const t = useFleet();

const defaults = { sysId: 'ALO', msgType: 'TXT', fileName: 'app' } as const;

/** Every message of every file under the fleet's folders, with how often it was written. */
async function tally(dirs: string[], files: string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (const dir of dirs) {
    for (const f of files) for (const m of await messages(dir, 'ALO', f)) seen.set(m, (seen.get(m) ?? 0) + 1);
  }
  return seen;
}

describe('at-least-once delivery', () => {
  it('flush() resolves once every record is acknowledged', async () => {
    t.fleet = await startFleet(2);
    t.client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once' });
    for (let i = 0; i < 5000; i++) t.client.log(`ack me ${i}`, { fileName: `f${i % 7}` });
    expect(await t.client.flush({ timeoutMs: 10_000 })).toBe(true);
    const s = t.client.stats();
    expect(s).toMatchObject({ accepted: 5000, acked: 5000, queuedBytes: 0 });
    expect(s.servers.map((x) => x.unacked)).toEqual([0, 0]);
    expect(received(t.fleet)).toBe(5000);
  });

  it('resends frames a server dropped until they arrive, each written once', async () => {
    t.fleet = await startFleet(1, { faults: { dropFraction: 0.3 } });
    // 1,432-byte frames, not loopback's 8 KB: ~70 frames, so that 0.3 drops none with
    // probability 0.7^70 (~1e-11), where 10 frames left it 3%.
    t.client = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      maxDatagramBytes: 1432,
    });
    for (let i = 0; i < 3000; i++) t.client.log(`lossy ${i}`);
    expect(await t.client.flush({ timeoutMs: 20_000 })).toBe(true);
    expect(t.fleet.servers[0]!.stats().dropped.fault).toBeGreaterThan(0);
    expect(t.client.stats().servers[0]!.framesResent).toBeGreaterThan(0);
    await t.fleet.servers[0]!.flush();
    const seen = await tally(t.fleet.dirs, ['app']);
    expect(seen.size).toBe(3000);
    expect(
      [...seen].filter(([, n]) => n !== 1),
      'messages written more than once',
    ).toEqual([]);
  });

  it('resends when ACKs come late, and the server writes the repeats only once', async () => {
    t.fleet = await startFleet(1, { faults: { ackDelayMs: 300 } });
    t.client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once' });
    for (let i = 0; i < 500; i++) t.client.log(`slow ack ${i}`);
    expect(await t.client.flush({ timeoutMs: 20_000 })).toBe(true);
    expect(t.client.stats().servers[0]!.framesResent).toBeGreaterThan(0);
    expect(t.fleet.servers[0]!.stats().duplicates).toBeGreaterThan(0);
    await t.fleet.servers[0]!.flush();
    const seen = await tally(t.fleet.dirs, ['app']);
    expect(seen.size).toBe(500);
    expect(
      [...seen].filter(([, n]) => n !== 1),
      'messages written more than once',
    ).toEqual([]);
  });

  it('kill one of three server processes in the middle of 100,000 records: every record arrives at least once', async () => {
    const dirs: string[] = [];
    const procs: ServerProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const dir = await mkdtemp(join(tmpdir(), `clogs-alo-${i}-`));
      dirs.push(dir);
      // ACK after write: what a server ACKs is in its file even if the process dies
      procs.push(
        ServerProcess.start(['--port', '0', '--data-dir', dir, '--ack-after-write', '--flush-ms', '20']),
      );
    }
    cleanups.push(async () => {
      for (const p of procs) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });
    const ports = await Promise.all(procs.map((p) => p.port()));
    t.client = createClient({
      servers: ports.map((port, i) => `127.0.0.1:${port} s${i}`),
      defaults,
      delivery: 'at-least-once',
      ping: { intervalMs: 100, failureLimit: 2 },
    });
    await untilEveryServerPonged(t.client);
    const files = Array.from({ length: 30 }, (_, i) => `f${i}`);
    const total = 100_000;
    const victim = t.client.route('ALO/f0')!;
    const down = once<{ server: string }>(t.client, 'down', 10_000);
    for (let i = 0; i < total; i++) {
      t.client.log(`rec ${i}`, { fileName: files[i % files.length]! });
      if (i === total / 2) {
        await t.client.flush({ timeoutMs: 10_000 }); // half way, acknowledged
        procs[Number(victim.slice(1))]!.child.kill('SIGKILL');
      }
    }
    expect((await down).server).toBe(victim);
    expect(await t.client.flush({ timeoutMs: 30_000 })).toBe(true);
    expect(t.client.stats().acked).toBe(total);
    expect(t.client.stats().rerouted).toBeGreaterThan(0);
    // the survivors stop cleanly (writing and fsyncing everything); the victim is already dead
    for (const [i, p] of procs.entries()) if (`s${i}` !== victim) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    const seen = await tally(dirs, files);
    const missing = Array.from({ length: total }, (_, i) => `rec ${i}`).filter((m) => !seen.has(m));
    expect(missing).toEqual([]);
  }, 60_000);

  it('a server that answers pings but never ACKs leaves the continuum (no-ack, a warning); its records are acknowledged by the other', async () => {
    t.fleet = await startFleet(2);
    t.fleet.servers[0]!.setFaults({ noAck: true });
    t.client = createClient({
      servers: t.fleet.specs,
      defaults: { sysId: 'NOA', msgType: 'TXT', fileName: 'f' },
      delivery: 'at-least-once',
      route: 'record', // both servers get records from the start
      ping: { intervalMs: 50, failureLimit: 2 },
    });
    const warnings: string[] = [];
    t.client.on('warning', (err: Error & { code: string }) => warnings.push(err.code));
    const down = once<{ server: string; reason: string }>(t.client, 'down', 5000);
    for (let i = 0; i < 1000; i++) t.client.log(`noack ${i}`);
    expect(await down).toMatchObject({ server: 'log-0', reason: 'no-ack' });
    expect(await t.client.flush({ timeoutMs: 10_000 })).toBe(true);
    expect(warnings).toContain('ERR_CLIENT_NO_ACK');
    expect(t.client.stats()).toMatchObject({ acked: 1000 });
    expect(t.client.stats().servers[0]).toMatchObject({ state: 'down', up: false });
    // Everything is at the server that ACKs (log-0 wrote some too, unacknowledged: duplicates there).
    const atGood = await messages(t.fleet.dirs[1]!, 'NOA', 'f');
    expect(new Set(atGood).size).toBe(1000);
  });

  it('a server out for no-ack that ACKs late after all (a disk slowed down) is back at once, not after 30 s', async () => {
    t.fleet = await startFleet(2);
    t.client = createClient({
      servers: t.fleet.specs,
      defaults: { sysId: 'LATE', msgType: 'TXT', fileName: 'f' },
      delivery: 'at-least-once',
      route: 'record',
      ping: { intervalMs: 50, failureLimit: 2 },
    });
    // ACKs flow first: a server that has ACKed is judged at the plain silence limit (100 ms here).
    for (let i = 0; i < 100; i++) t.client.log(`early ${i}`);
    expect(await t.client.flush({ timeoutMs: 10_000 })).toBe(true);
    t.fleet.servers[0]!.setFaults({ writeDelayMs: 600 });
    const events: string[] = [];
    t.client.on('down', (e: { server: string; reason: string }) =>
      events.push(`down ${e.server} ${e.reason}`),
    );
    t.client.on('up', (e: { server: string; reason: string }) => events.push(`up ${e.server} ${e.reason}`));
    const down = once<{ server: string; reason: string }>(t.client, 'down', 5000);
    for (let i = 0; i < 1000; i++) t.client.log(`late ${i}`);
    expect(await down).toMatchObject({ server: 'log-0', reason: 'no-ack' });
    t.fleet.servers[0]!.setFaults({ writeDelayMs: 0 });
    await until(() => events.includes('up log-0 ack'), 'log-0 back on its late ACK');
    for (let i = 1000; i < 2000; i++) t.client.log(`late ${i}`);
    expect(await t.client.flush({ timeoutMs: 10_000 })).toBe(true);
    expect(t.client.stats()).toMatchObject({ acked: 2100 });
    expect(t.client.stats().servers[0]).toMatchObject({ up: true, flow: 'acked' });
    expect(t.client.stats().servers[0]!.framesAcked, 'log-0 takes and ACKs records again').toBeGreaterThan(0);
    const seen = new Set([
      ...(await messages(t.fleet.dirs[0]!, 'LATE', 'f')),
      ...(await messages(t.fleet.dirs[1]!, 'LATE', 'f')),
    ]);
    expect(seen.size).toBe(2100);
  });
});
