import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runServerCommand, ServerProcess } from '../../../test/support/server-process.js';
import { frameV1, KIND, keyIdOf, logV2, type TestRecord } from '../../../test/support/wire-v2-bytes.js';
import { parseLine } from '../src/index.js';
import { readLines, tempDir } from './helpers.js';
import { clientSealer, SpecPeer } from './spec-peer.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dir(): Promise<string> {
  const d = await tempDir();
  cleanups.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A key file of 64 hex digits and a newline, mode 0600 (as keygen writes), and the key's bytes. */
async function keyFile(d: string, name = 'clogs.key'): Promise<{ path: string; key: Buffer }> {
  let key: Buffer;
  do key = randomBytes(32);
  while (new Set(key).size < 16);
  const path = join(d, name);
  await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600 });
  return { path, key };
}

function server(args: string[]): ServerProcess {
  const p = ServerProcess.start(['--port', '0', '--flush-ms', '60000', ...args]);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });
  return p;
}

/** Stops a server with SIGTERM and returns the stats of its exit line. */
async function stop(p: ServerProcess): Promise<Record<string, unknown>> {
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
  const line = /clogs-server stopped (\{.*\})/.exec(p.stderr);
  expect(line, `exit line in: ${p.stderr}`).not.toBeNull();
  return JSON.parse(line![1]!) as Record<string, unknown>;
}

async function peerOf(p: ServerProcess, key?: Buffer): Promise<SpecPeer> {
  const peer = await SpecPeer.open(await p.port(), key);
  cleanups.push(() => peer.close());
  return peer;
}

const rec = (msg: string): TestRecord => ({ sysId: 'SYS', fileName: 'app', msg });

describe('replayed sealed frames, across a restart and across servers', () => {
  it('are written once: again to the same run (duplicates), refused after a restart and at another server holding the key', async () => {
    const d = await dir();
    const { path, key } = await keyFile(d);
    const data = join(d, 'data');
    const first = server(['--data-dir', data, '--key-file', path]);
    const peer = await peerOf(first, key);
    const me = clientSealer(key);
    const { boot } = await peer.ping(me);
    const captured = [1, 2, 3, 4, 5].map((seq) =>
      logV2({ sender: 7, seq, records: [rec(`line ${seq}`)] }, me, boot),
    );
    for (const f of captured) await peer.send(f);
    await peer.waitForAcks(7, [1, 2, 3, 4, 5]);
    for (const f of captured) await peer.send(f); // replayed to the same run
    await peer.waitFor(() => peer.acked(7).length === 10, 'the duplicates ACKed again');
    expect(await stop(first)).toMatchObject({ frames: 5, duplicates: 5, replayed: 0 });

    const again = server(['--data-dir', data, '--key-file', path]);
    const peer2 = await peerOf(again, key);
    for (const f of captured) await peer2.send(f);
    await peer2.ping(clientSealer(key));
    expect(peer2.count(KIND.ACK)).toBe(0);
    const restarted = await stop(again);
    expect(restarted).toMatchObject({ frames: 0, replayed: 5 });
    expect(restarted.errors).toEqual({ ERR_PROTOCOL_BAD_PEER: 5 });
    expect(again.stderr).toMatch(
      /refused 1 frame \(last from 127\.0\.0\.1:\d+\): replayed frames .*\[ERR_SERVER_AUTH_REFUSED\]/,
    );

    const other = server(['--data-dir', join(d, 'other'), '--key-file', path]);
    const peer3 = await peerOf(other, key);
    for (const f of captured) await peer3.send(f);
    await peer3.ping(clientSealer(key));
    expect(await stop(other)).toMatchObject({ frames: 0, replayed: 5 });

    const lines = await readLines(data, 'SYS', 'app');
    expect(lines.map((l) => parseLine(l)!.msg.toString())).toEqual([1, 2, 3, 4, 5].map((s) => `line ${s}`));
  });
});

describe('secure defaults', () => {
  it('refuses a non-loopback --host without a key (exit 64, why and how in one line); --insecure listens, in clear', async () => {
    const d = await dir();
    const refused = await runServerCommand(['--host', '0.0.0.0', '--port', '0', '--data-dir', d]);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toBe(
      'clogs-server: refusing to listen on 0.0.0.0 without a key: anyone on the network could read and forge frames; give --key-file (make one with: clogs-server keygen FILE), or --insecure to accept that [ERR_SERVER_INSECURE]\n',
    );
    const p = server(['--host', '0.0.0.0', '--insecure', '--data-dir', d]);
    await p.port();
    expect(p.stdout).toMatch(
      /^clogs-server listening on udp:\/\/0\.0\.0\.0:\d+, frames in clear: no key, data-dir /,
    );
  });

  it('with a key, listens anywhere and says frames are encrypted, naming the key ids; --accept-v1 takes old clients', async () => {
    const d = await dir();
    const a = await keyFile(d, 'a.key');
    const b = await keyFile(d, 'b.key');
    const p = server([
      '--host',
      '0.0.0.0',
      '--data-dir',
      d,
      '--key-file',
      a.path,
      '--key-file',
      b.path,
      '--accept-v1',
    ]);
    const port = await p.port();
    const ids = [a.key, b.key].map((k) => keyIdOf(k).toString(16).padStart(8, '0'));
    expect(p.stdout).toContain(
      `, frames encrypted (keys ${ids[0]}, ${ids[1]}; version 1 frames accepted (integrity only)), data-dir `,
    );
    // a version 1 client reads the first key file's bytes as they are: its hex text is the HMAC key
    const v1Key = Buffer.from(a.key.toString('hex'));
    const peer = await SpecPeer.open(port, v1Key);
    cleanups.push(() => peer.close());
    await peer.send(frameV1(KIND.LOG, 3, 1, [rec('an old client')], v1Key));
    await peer.send(
      frameV1(KIND.LOG, 3, 2, [rec('signed with the second file')], Buffer.from(b.key.toString('hex'))),
    );
    await peer.send(frameV1(KIND.PING, 3, 41, [], v1Key));
    await peer.waitFor((f) => f.kind === KIND.PONG && f.version === 1 && f.seq === 42, 'a signed v1 PONG');
    await peer.waitForAcks(3, [1]);
    expect(peer.acked(3)).toEqual([1]);
    expect(await stop(p)).toMatchObject({ frames: 1, errors: { ERR_PROTOCOL_BAD_AUTH: 1 } });
  });

  it('refuses a key file group or others can read, naming it and its mode (exit 78)', async () => {
    const d = await dir();
    const { path } = await keyFile(d);
    await chmod(path, 0o644);
    const r = await runServerCommand(['--data-dir', d, '--key-file', path]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain('0644');
    expect(r.stderr).toContain('chmod 600');
    expect(r.stdout).toBe('');
  });

  it('refuses a 16-byte key, saying it is too short (exit 78); an unreadable file is exit 66', async () => {
    const d = await dir();
    const path = join(d, 'short.key');
    const short = randomBytes(16);
    short[0] = 0; // raw bytes, not text
    short[15] = 0xff;
    await writeFile(path, short, { mode: 0o600 });
    const r = await runServerCommand(['--data-dir', d, '--key-file', path]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(
      /^clogs-server: key file .*short\.key is 16 bytes; at least 32 .*\[ERR_PROTOCOL_WEAK_KEY\]\n$/,
    );
    // a typed passphrase is no key either
    await writeFile(path, 'correct horse battery staple\n', { mode: 0o600 });
    const typed = await runServerCommand(['--data-dir', d, '--key-file', path]);
    expect(typed.code).toBe(78);
    expect(typed.stderr).toContain('a passphrase is not a key');
    const missing = await runServerCommand(['--data-dir', d, '--key-file', join(d, 'none.key')]);
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('none.key');
  });

  it('keygen writes a 0600 key that a server then uses, prints its key id, and never overwrites', async () => {
    const d = await dir();
    const path = join(d, 'new.key');
    const made = await runServerCommand(['keygen', path]);
    expect(made.code).toBe(0);
    const text = await readFile(path, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const key = Buffer.from(text.trim(), 'hex');
    const id = keyIdOf(key).toString(16).padStart(8, '0');
    expect(made.stdout).toBe(`clogs-server: wrote a new key to ${path} (mode 0600), key id ${id}\n`);

    const again = await runServerCommand(['keygen', path]);
    expect(again.code).toBe(73);
    expect(again.stderr).toContain(path);
    expect(await readFile(path, 'utf8')).toBe(text);

    const p = server(['--data-dir', join(d, 'data'), '--key-file', path]);
    const peer = await peerOf(p, key);
    const me = clientSealer(key);
    const { boot } = await peer.ping(me);
    expect(p.stdout).toContain(`frames encrypted (key ${id})`);
    await peer.send(logV2({ sender: 1, seq: 1, records: [rec('sealed with a keygen key')] }, me, boot));
    await peer.waitForAcks(1, [1]);
  });
});
