import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtcdCluster } from './support/etcd-process.js';
import {
  exactlyOnce,
  keyFile,
  logFiles,
  messages,
  runCli,
  startServer,
  statsOf,
  stopServer,
  tempDir,
  useCleanups,
} from './support/secure-fleet.js';

// With a key, a server registered in etcd by someone without the key cannot answer a
// sealed PING: clients never send it a record.
const cleanups = useCleanups();

describe('a rogue registration in etcd', () => {
  it('a clogs-server without the key, registered beside a real one, receives no records', async () => {
    const d = await tempDir(cleanups);
    const etcd = await EtcdCluster.start(1);
    cleanups.push(() => etcd.close());
    const { path } = await keyFile(d, 'clogs.key');
    const reg = (name: string) => ['--etcd', etcd.url, '--cluster', 'sec', '--name', name];
    const good = startServer(cleanups, ['--data-dir', join(d, 'good'), '--key-file', path, ...reg('good')]);
    const rogue = startServer(cleanups, ['--data-dir', join(d, 'rogue'), ...reg('rogue')]);
    for (const [p, name] of [
      [good, 'good'],
      [rogue, 'rogue'],
    ] as const) {
      await p.until(() => p.stdout.includes(`registered /clogs/sec/servers/${name}`), `${name} registered`);
    }
    // Many sys_ids: on the continuum the rogue would own a share of them.
    const lines = Array.from({ length: 400 }, (_, i) => `S${i % 40} TXT msg-${i}\n`);
    const r = await runCli(
      ['--etcd', etcd.url, '--cluster', 'sec', '--key-file', path, '--ack', '--timeout', '10000'],
      lines,
    ).exited;
    expect(r.stderr).toMatch(/fleet from etcd sec rev \d+: (good rogue|rogue good)\n/);
    expect(r.code, r.stderr).toBe(0);
    const s = await statsOf(rogue);
    expect(s.records, 'records the rogue took').toBe(0);
    expect(s.dropped.auth, 'sealed PINGs the rogue could not open').toBeGreaterThan(0);
    expect(await logFiles(join(d, 'rogue'))).toEqual([]);
    const written: string[] = [];
    for (let i = 0; i < 40; i++) written.push(...(await messages(join(d, 'good'), `S${i}`, 'cli')));
    expect(
      exactlyOnce(
        written,
        lines.map((_l, i) => `msg-${i}`),
      ),
    ).toEqual({ missing: [], repeated: [], other: [] });
    await stopServer(good);
  });
});
