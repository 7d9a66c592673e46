import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LossyLink } from './support/lossy-link.js';
import {
  exactlyOnce,
  fastPingConfig,
  keyFile,
  linesReach,
  messages,
  refusedOf,
  runCli,
  startServer,
  stopServer,
  tempDir,
  useCleanups,
} from './support/secure-fleet.js';
import { KIND, logV2 } from './support/wire-v2-bytes.js';

// Frames altered on the path, keys rotated under load, and forgeries at a server without a
// key: with real clogs-cli and clogs-server processes, nothing is lost or written twice.
const cleanups = useCleanups();

const numbered = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} line ${i}\n`);
const expected = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag} line ${i}`);
const clean = { missing: [], repeated: [], other: [] };

async function cliArgs(d: string, port: number, file: string, key?: string): Promise<string[]> {
  const keyArgs = key === undefined ? [] : ['--key-file', key];
  return [
    '-c',
    await fastPingConfig(d),
    '-s',
    `127.0.0.1:${port}`,
    ...keyArgs,
    '--ack',
    '--format',
    'raw',
    '--sys',
    'SEC',
    '--file',
    file,
  ];
}

describe('a bit flipped on the path', () => {
  it('anywhere in a sealed frame (header, seal block, body, tag) is refused and counted; every line still lands once', async () => {
    const d = await tempDir(cleanups);
    const { path } = await keyFile(d, 'clogs.key');
    const data = join(d, 'data');
    const server = startServer(cleanups, ['--data-dir', data, '--key-file', path]);
    const link = await LossyLink.start({ target: { host: '127.0.0.1', port: await server.port() } });
    cleanups.push(() => link.close());
    const isLog = (dg: Buffer) => dg[3] === KIND.LOG;
    // The client's signed version 1 PING probes are refused too (no --accept-v1): counted apart.
    let v1Probes = 0;
    link.tamper = (dg, dir) => {
      if (dir === 'up' && dg[2] === 1) v1Probes++;
      return undefined;
    };
    // version, flags, count, sender, seq | key id, salt, pn, peer | body | tag
    const bytes = [2, 4, 7, 9, 14, 17, 25, 40, 47, 60, -1];
    for (const [i, byte] of bytes.entries())
      link.flipBits({ dir: 'up', byte, bit: i % 8, count: 1, match: isLog });
    // and the server's replies: an ACK's tag, a PONG's salt
    link.flipBits({ dir: 'down', byte: -1, bit: 0, count: 1, match: (dg) => dg[3] === KIND.ACK });
    link.flipBits({ dir: 'down', byte: 22, bit: 3, count: 1, match: (dg) => dg[3] === KIND.PONG });
    const { code, stderr } = await runCli(await cliArgs(d, link.port, 'flip', path), numbered('flip', 800))
      .exited;
    expect(code, stderr).toBe(0);
    expect(link.flipsLeft, 'flips not applied (too few frames)').toBe(0);
    const s = await stopServer(server);
    expect(refusedOf(s), JSON.stringify(s)).toBe(bytes.length + v1Probes);
    expect(exactlyOnce(await messages(data, 'SEC', 'flip'), expected('flip', 800))).toEqual(clean);
  });
});

describe('key rotation under at-least-once load', () => {
  it('old and new keys side by side, then the old one removed: every line once, old-key clients refused after', async () => {
    const d = await tempDir(cleanups);
    const old = await keyFile(d, 'old.key');
    const fresh = await keyFile(d, 'new.key');
    const data = join(d, 'data');
    let server = startServer(cleanups, [
      '--data-dir',
      data,
      '--key-file',
      old.path,
      '--key-file',
      fresh.path,
    ]);
    let port = await server.port();
    // A seals with the old key and is still sending when B starts with the new one.
    const a = runCli(await cliArgs(d, port, 'a', old.path), numbered('a', 600).slice(0, 300), true);
    await linesReach(data, 'SEC', 'a', 100);
    const b = runCli(await cliArgs(d, port, 'b', fresh.path), numbered('b', 600));
    a.write(numbered('a', 600).slice(300));
    a.end();
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    await stopServer(server);

    server = startServer(cleanups, ['--data-dir', data, '--key-file', fresh.path]);
    port = await server.port();
    const [rc, rd] = await Promise.all([
      runCli(await cliArgs(d, port, 'c', fresh.path), numbered('c', 300)).exited,
      runCli([...(await cliArgs(d, port, 'd', old.path)), '--timeout', '2000'], numbered('d', 10)).exited,
    ]);
    expect(rc.code, rc.stderr).toBe(0);
    expect(rd.code, rd.stderr).toBe(75);
    const s = await stopServer(server);
    expect(s.errors.ERR_PROTOCOL_UNKNOWN_KEY, JSON.stringify(s)).toBeGreaterThan(0);
    expect(exactlyOnce(await messages(data, 'SEC', 'a'), expected('a', 600))).toEqual(clean);
    expect(exactlyOnce(await messages(data, 'SEC', 'b'), expected('b', 600))).toEqual(clean);
    expect(exactlyOnce(await messages(data, 'SEC', 'c'), expected('c', 300))).toEqual(clean);
    expect(await messages(data, 'SEC', 'd')).toEqual([]);
  }, 60_000); // four clogs-cli processes and two servers, partly one after another
});

describe('without a key', () => {
  it('frames forged ahead (same sender, next seqs, other content) do not make the server drop the real ones', async () => {
    const d = await tempDir(cleanups);
    const data = join(d, 'data');
    const server = startServer(cleanups, ['--data-dir', data]);
    const link = await LossyLink.start({ target: { host: '127.0.0.1', port: await server.port() } });
    cleanups.push(() => link.close());
    const forgedSeqs = new Set<number>();
    link.tamper = (dg, dir) => {
      if (dir !== 'up' || dg[3] !== KIND.LOG || forgedSeqs.size >= 20) return undefined;
      const sender = dg.readUInt32BE(8);
      const seq = dg.readUInt32BE(12);
      const ahead = [seq + 1, seq + 2].filter((s) => !forgedSeqs.has(s));
      for (const s of ahead) forgedSeqs.add(s);
      const records = [{ sysId: 'SEC', fileName: 'forged', msg: 'forged ahead' }];
      link.inject(
        'up',
        ahead.map((s) => logV2({ sender, seq: s, records })),
      );
      return undefined;
    };
    // The network's frame size, not loopback's: a frame every 11 lines, so forgeries come first.
    const args = [...(await cliArgs(d, link.port, 'real')), '--max-datagram', '1432'];
    const { code, stderr } = await runCli(args, numbered('real', 1000)).exited;
    expect(code, stderr).toBe(0);
    const s = await stopServer(server);
    expect(forgedSeqs.size).toBeGreaterThan(2);
    expect(s.conflicts, JSON.stringify(s)).toBeGreaterThan(0);
    expect(exactlyOnce(await messages(data, 'SEC', 'real'), expected('real', 1000))).toEqual(clean);
    // without a key anyone on the path can write: the forgeries are there too, once each
    expect(await messages(data, 'SEC', 'forged')).toEqual(Array(forgedSeqs.size).fill('forged ahead'));
  });
});
