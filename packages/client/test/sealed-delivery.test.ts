import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile, writeNewKeyFile } from '@clogs/protocol';
import { createServer } from 'clogs-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LossyLink } from '../../../test/support/lossy-link.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type ClogsClient, createClient } from '../src/index.js';
import { messages, POLL, until } from './helpers.js';

// clogs-server (in process, and as processes where one is killed) holding a key made by keygen.

const cleanups: (() => Promise<void>)[] = [];
let client: ClogsClient | undefined;
afterEach(async () => {
  await client?.close({ timeoutMs: 500 });
  client = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-sealed-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function server(args: string[]): ServerProcess {
  const p = ServerProcess.start(args);
  cleanups.push(async () => {
    p.child.kill('SIGKILL');
    await p.exited;
  });
  return p;
}

const defaults = { sysId: 'SEAL', msgType: 'TXT', fileName: 'pay' };

describe('encrypted end to end, into clogs-server', () => {
  it('at-least-once through a recording relay: every record written once, no message in clear on the wire', async () => {
    const dir = await folder();
    const keyPath = join(dir, 'clogs.key');
    await writeNewKeyFile(keyPath);
    const data = join(dir, 'data');
    const keys = [await readKeyFile(keyPath)];
    const s = await createServer({ host: '127.0.0.1', port: 0, dataDir: data, keys, flushMs: 20 });
    cleanups.push(async () => void (await s.close()));
    const link = await LossyLink.start({ target: { host: '127.0.0.1', port: s.address.port }, record: true });
    cleanups.push(async () => link.close());
    client = createClient({
      servers: [`127.0.0.1:${link.port} s`],
      key: await readKeyFile(keyPath),
      delivery: 'at-least-once',
      defaults,
      // The card number reaches the wire unmasked: only the encryption keeps it off it.
      redact: { pan: false },
    });
    const sent = Array.from({ length: 2000 }, (_, i) => `pan 4111111111111111 amount ${i} marker-${i}`);
    for (const m of sent) client.log(m);
    expect(await client.flush({ timeoutMs: 10_000 })).toBe(true);
    expect(client.stats().acked).toBe(sent.length);
    await vi.waitFor(
      async () =>
        expect((await messages(data, 'SEAL', 'pay')).sort(), 'the lines in the file').toEqual(
          [...sent].sort(),
        ),
      POLL,
    );
    const wire = [...link.recorded!.up, ...link.recorded!.down];
    expect(link.recorded!.up.filter((d) => d[3] === 1).length, 'LOG datagrams recorded').toBeGreaterThan(0);
    const clear = wire.filter(
      (d) => d.includes('marker-') || d.includes('4111111111111111') || d.includes('SEAL'),
    );
    expect(clear, 'datagrams carrying plaintext').toEqual([]);
  }, 20_000);

  it('a server killed and restarted mid-load (a new boot): at-least-once loses nothing, frames resealed', async () => {
    const dir = await folder();
    const keyPath = join(dir, 'clogs.key');
    await writeNewKeyFile(keyPath);
    const data = join(dir, 'data');
    const args = ['--data-dir', data, '--key-file', keyPath, '--flush-ms', '20'];
    const first = server(['--port', '0', ...args]);
    const port = await first.port();
    client = createClient({
      servers: [`127.0.0.1:${port} s`],
      key: await readKeyFile(keyPath),
      delivery: 'at-least-once',
      defaults,
      // The restart must not take the server out: the frames stay its, to be resealed.
      ping: { intervalMs: 100, failureLimit: 100 },
    });
    const downs: unknown[] = [];
    client.on('down', (e) => downs.push(e));
    const total = 6000;
    let i = 0;
    const logSome = (n: number) => {
      for (const end = Math.min(total, i + n); i < end; i++) client!.log(`record ${i}`);
    };
    logSome(2000);
    await until(() => client!.stats().acked >= 1000, 'the first records acknowledged');
    first.child.kill('SIGKILL');
    await first.exited;
    logSome(2000); // sent into the void: unacknowledged, bound to the dead boot
    const second = server(['--port', String(port), ...args]);
    await second.port();
    logSome(2000);
    expect(await client.flush({ timeoutMs: 15_000 }), 'flush after the restart').toBe(true);
    const stats = client.stats();
    expect(stats.acked).toBeGreaterThanOrEqual(total);
    expect(stats.servers[0]!.framesResent).toBeGreaterThan(0);
    expect(downs, 'the server taken down (its records re-routed, not resealed)').toEqual([]);
    await vi.waitFor(
      async () =>
        expect(new Set(await messages(data, 'SEAL', 'pay')).size, 'distinct records in the file').toBe(total),
      POLL,
    );
  }, 30_000);
});

describe('ciphers, into an in-process clogs-server holding the key', () => {
  it.each([
    ['aes-256-gcm', false, true],
    ['integrity-only', true, true],
    ['integrity-only', false, false],
  ] as const)(
    'cipher %s, the server allowing integrity-only: %s → delivered: %s',
    async (cipher, allow, delivered) => {
      const dir = await folder();
      const key = await writeNewKeyFile(join(dir, 'clogs.key'));
      const data = join(dir, 'data');
      const s = await createServer({
        host: '127.0.0.1',
        port: 0,
        dataDir: data,
        keys: [key],
        allowIntegrityOnly: allow,
      });
      cleanups.push(async () => void (await s.close()));
      client = createClient({
        servers: [`127.0.0.1:${s.address.port} s`],
        key,
        cipher,
        delivery: 'at-least-once',
        defaults,
        ping: { intervalMs: 50, failureLimit: 3 },
      });
      client.log(`with ${cipher}`);
      expect(await client.flush({ timeoutMs: delivered ? 5000 : 400 })).toBe(delivered);
      await s.flush();
      expect(await messages(data, 'SEAL', 'pay')).toEqual(delivered ? [`with ${cipher}`] : []);
    },
  );
});
