import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LossyLink } from './support/lossy-link.js';
import {
  exactlyOnce,
  fastPingConfig,
  keyFile,
  logFiles,
  messages,
  runCli,
  startServer,
  statsOf,
  statsUntil,
  stopServer,
  tempDir,
  useCleanups,
} from './support/secure-fleet.js';

// With a key, an eavesdropper on the path between a clogs-cli and clogs-server processes
// reads nothing of a record, and frames it recorded are never written twice: not by the
// same server while it runs, nor after it restarts, nor by another server holding the key.
const cleanups = useCleanups();
const N = 300;
const SECRETS = ['confidential', 'SCRT', 'secretfile'];
const line = (i: number) => `confidential message ${String(i).padStart(4, '0')} for the audit trail\n`;
const isLog = (d: Buffer) => d[3] === 1;

describe('a recorded session, with a key', () => {
  it('shows no record on the wire, and its LOG frames replayed are written once (same run, after a restart, another server)', async () => {
    const d = await tempDir(cleanups);
    const { path } = await keyFile(d, 'clogs.key');
    const data = join(d, 'data');
    let server = startServer(cleanups, ['--data-dir', data, '--key-file', path]);
    const target = { host: '127.0.0.1', port: await server.port() };
    const link = await LossyLink.start({ target, record: true });
    cleanups.push(() => link.close());
    const lines = Array.from({ length: N }, (_, i) => line(i));
    const expected = lines.map((l) => l.slice(0, -1));
    const cli = runCli(
      [
        '-c',
        await fastPingConfig(d),
        '-s',
        `127.0.0.1:${link.port}`,
        '--key-file',
        path,
        '--ack',
        '--format',
        'raw',
        '--sys',
        'SCRT',
        '--file',
        'secretfile',
      ],
      lines,
    );
    const { code, stderr } = await cli.exited;
    expect(code, stderr).toBe(0);
    // The check can fail: the records are on the server, secrets and all.
    const written = await messages(data, 'SCRT', 'secretfile');
    expect(exactlyOnce(written, expected)).toEqual({ missing: [], repeated: [], other: [] });

    const rec = link.recorded!;
    const logs = rec.up.filter(isLog);
    expect(logs.length, 'LOG frames recorded').toBeGreaterThan(0);
    expect(rec.down.length, 'replies recorded').toBeGreaterThan(0);
    for (const [dir, datagrams] of [
      ['up', rec.up],
      ['down', rec.down],
    ] as const) {
      for (const [i, dg] of datagrams.entries()) {
        const what = `${dir} datagram ${i} (${dg.subarray(0, 16).toString('hex')}, ${dg.length} bytes)`;
        // Sealed (version 2, a suite), or the signed version 1 PING a client probes old servers
        // with: a header and its HMAC, nothing else.
        if (dg[2] === 1) expect([dg[3], dg[4], dg.length], `${what}: a signed v1 PING`).toEqual([2, 2, 32]);
        else expect(dg[5], `${what} is sealed`).not.toBe(0);
        for (const s of SECRETS)
          expect(dg.includes(s, 0, 'latin1'), `"${s}" in ${dir} datagram ${i}`).toBe(false);
      }
    }

    // Replayed to the same run: duplicates, ACKed again, not written.
    const before = await statsOf(server);
    await link.replay(logs);
    const after = await statsUntil(
      server,
      (s) => s.datagrams >= before.datagrams + logs.length,
      'the replayed datagrams counted',
    );
    expect(after.duplicates - before.duplicates, 'duplicates').toBe(logs.length);
    expect(after.frames - before.frames, 'frames accepted').toBe(0);

    // After a restart on the same data dir: refused as replayed (sealed for the old boot).
    await stopServer(server);
    server = startServer(cleanups, ['--data-dir', data, '--key-file', path]);
    await link.replay(logs, { host: '127.0.0.1', port: await server.port() });
    const restarted = await statsUntil(server, (s) => s.datagrams >= logs.length, 'the replays counted');
    expect(restarted).toMatchObject({ frames: 0, records: 0, replayed: logs.length });
    expect(restarted.errors).toEqual({ ERR_PROTOCOL_BAD_PEER: logs.length });
    await stopServer(server);

    // Another server holding the key: refused the same way, nothing written.
    const otherData = join(d, 'other');
    const other = startServer(cleanups, ['--data-dir', otherData, '--key-file', path]);
    await link.replay(logs, { host: '127.0.0.1', port: await other.port() });
    const there = await statsUntil(other, (s) => s.datagrams >= logs.length, 'the replays counted');
    expect(there).toMatchObject({ frames: 0, records: 0, replayed: logs.length });
    await stopServer(other);
    expect(await logFiles(otherData)).toEqual([]);

    expect(await messages(data, 'SCRT', 'secretfile')).toEqual(written);
  });
});
