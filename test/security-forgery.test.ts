import { randomBytes } from 'node:crypto';
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
  stopServer,
  tempDir,
  useCleanups,
} from './support/secure-fleet.js';
import { KIND, logV2 } from './support/wire-v2-bytes.js';

// With a key, an attacker on the path who does not hold it forges frames both ways: the
// server refuses and counts what it is sent, the client believes no forged PONG or ACK.
const cleanups = useCleanups();

/** A version 2 header as the spec lays it out. */
function header(kind: number, suite: number, count: number, sender: number, seq: number): Buffer {
  const h = Buffer.alloc(16);
  h.write('CL', 0, 'latin1');
  h[2] = 2;
  h[3] = kind;
  h[5] = suite;
  h.writeUInt16BE(count, 6);
  h.writeUInt32BE(sender >>> 0, 8);
  h.writeUInt32BE(seq >>> 0, 12);
  return h;
}

/** A seal block: key id, salt, pn and peer, as a forger can copy them off the wire. */
function block(keyId: Buffer, peer: Buffer): Buffer {
  const b = Buffer.alloc(36);
  keyId.copy(b, 0);
  randomBytes(16).copy(b, 4);
  b.writeUInt32BE(7, 24);
  peer.copy(b, 28, 0, 8);
  return b;
}

const range = (seq: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(seq, 0);
  b.writeUInt32BE(seq, 4);
  return b;
};

async function setup(lossy = true) {
  const d = await tempDir(cleanups);
  const key = await keyFile(d, 'clogs.key');
  const data = join(d, 'data');
  const server = startServer(cleanups, ['--data-dir', data, '--key-file', key.path]);
  const target = { host: '127.0.0.1', port: await server.port() };
  const link = lossy ? await LossyLink.start({ target }) : undefined;
  if (link) cleanups.push(() => link.close());
  const cli = async (lines: string[], extra: string[] = []) =>
    runCli(
      [
        '-c',
        await fastPingConfig(d),
        '-s',
        `127.0.0.1:${link!.port}`,
        '--key-file',
        key.path,
        '--ack',
        '--format',
        'raw',
        '--sys',
        'SCRT',
        '--file',
        'real',
        ...extra,
      ],
      lines,
    ).exited;
  return { d, key, data, server, link: link!, cli };
}

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `real line ${i}\n`);
const expected = (n: number) => Array.from({ length: n }, (_, i) => `real line ${i}`);

describe('frames forged without the key', () => {
  it('are refused and counted by the server, each with its reason; the real ones all land once', async () => {
    const { d, data, server, link, cli } = await setup();
    const other = await keyFile(d, 'other.key');
    let forged = false;
    // The client's signed version 1 PING probes are refused too (no --accept-v1): counted apart.
    let v1Probes = 0;
    link.tamper = (dg, dir) => {
      if (dir === 'up' && dg[2] === 1) v1Probes++;
      if (forged || dir !== 'up' || dg[3] !== KIND.LOG) return undefined;
      forged = true;
      const sender = dg.readUInt32BE(8);
      const seq = dg.readUInt32BE(12) + 1; // the client's next frame
      const peer = dg.subarray(44, 52);
      const records = [{ sysId: 'SCRT', fileName: 'forged', msg: 'forged line' }];
      const sealer = {
        key: other.key,
        suite: 1 as const,
        salt: randomBytes(16),
        pn: 0,
        direction: 1 as const,
      };
      const resealed = logV2({ sender, seq, records }, sealer, peer);
      const withRealKeyId = Buffer.from(resealed);
      dg.copy(withRealKeyId, 16, 16, 20);
      link.inject('up', [
        // a real header and seal block, random bytes after it
        Buffer.concat([dg.subarray(0, 52), randomBytes(dg.length - 52)]),
        // the records sealed with another key (an unknown key id) ...
        resealed,
        // ... and under the real key's id (the tag cannot verify)
        withRealKeyId,
        // in clear, at a server that takes only sealed frames
        logV2({ sender, seq: seq + 1, records }),
      ]);
      return undefined;
    };
    const { code, stderr } = await cli(numbered(200));
    expect(code, stderr).toBe(0);
    expect(forged).toBe(true);
    const s = await stopServer(server);
    expect(s.dropped.auth, JSON.stringify(s)).toBe(4 + v1Probes);
    expect(s.errors).toEqual({
      ERR_PROTOCOL_BAD_AUTH: 2,
      ERR_PROTOCOL_UNKNOWN_KEY: 1,
      ERR_PROTOCOL_AUTH_REQUIRED: 1 + v1Probes,
    });
    expect(await logFiles(data)).toEqual(['SCRT/real.log']);
    expect(exactlyOnce(await messages(data, 'SCRT', 'real'), expected(200))).toEqual({
      missing: [],
      repeated: [],
      other: [],
    });
  });

  it('forged ACKs do not make the client count records delivered: the LOG frames dropped on the path, exit 75', async () => {
    const { data, server, link, cli } = await setup();
    let acksForged = 0;
    link.tamper = (dg, dir) => {
      if (dir !== 'up' || dg[3] !== KIND.LOG) return undefined;
      const sender = dg.readUInt32BE(8);
      const seq = dg.readUInt32BE(12);
      const clientSalt = dg.subarray(20, 28);
      link.inject('down', [
        // sealed-looking: the frame's suite and key id, the client's salt as peer, a made-up tag
        Buffer.concat([
          header(KIND.ACK, dg[5]!, 1, sender, 0),
          block(dg.subarray(16, 20), clientSalt),
          randomBytes(24),
        ]),
        // in clear, to a client that holds a key
        Buffer.concat([header(KIND.ACK, 0, 1, sender, 0), range(seq)]),
      ]);
      acksForged += 2;
      return null; // the real frame never reaches the server
    };
    const { code, stderr } = await cli(numbered(20), ['--timeout', '3000']);
    expect(acksForged).toBeGreaterThan(0);
    expect(code, stderr).toBe(75);
    expect(stderr).toMatch(/clogs-cli: 20 lines read, \d+ sent, 0 acked, 0 refused, 20 undelivered\b/);
    const s = await stopServer(server);
    expect(s.frames).toBe(0);
    expect(await logFiles(data)).toEqual([]);
  });

  it('forged PONGs do not keep a dead server looking alive: nothing sent to it, exit 75', async () => {
    const { server, link, cli } = await setup();
    server.child.kill('SIGKILL');
    await server.exited;
    let pongsForged = 0;
    link.tamper = (dg, dir) => {
      if (dir !== 'up' || dg[3] !== KIND.PING) return undefined;
      const sender = dg.readUInt32BE(8);
      const id = dg.readUInt32BE(12);
      const body = Buffer.from([0, 0, 0, 0, 0, 0, 0x40, 0]); // READY, window 16,384
      const pongs = [Buffer.concat([header(KIND.PONG, 0, 0, sender, id + 1), body])];
      if (dg[2] === 2 && dg[5] !== 0) {
        pongs.push(
          Buffer.concat([
            header(KIND.PONG, dg[5]!, 0, sender, id + 1),
            block(dg.subarray(16, 20), dg.subarray(20, 28)),
            randomBytes(8 + 16),
          ]),
        );
      }
      link.inject('down', pongs);
      pongsForged += pongs.length;
      return undefined;
    };
    const { code, stderr } = await cli(numbered(5), ['--timeout', '2000']);
    expect(pongsForged).toBeGreaterThan(0);
    expect(code, stderr).toBe(75);
    expect(stderr).toMatch(/clogs-cli: 5 lines read, 0 sent, 0 acked, 0 refused, 5 undelivered\b/);
  });
});
