import { encodeLogFrame, Flag, type LogRecordInput } from '@clogs/protocol';
import { describe, expect, it } from 'vitest';
import type { ServerProcess } from '../../../test/support/server-process.js';
import { parseLine } from '../src/index.js';
import { useEtcd } from './etcd-hooks.js';
import { Peer, readLines } from './helpers.js';

// A clogs-server process started with --etcd follows /clogs/<cluster>/server-config:
// each test puts or deletes the key with its own etcd client and watches the server's
// stderr, its ACKs and its files.

const fx = useEtcd();

const CARD = '4111111111111111';
const MASKED = '411111******1111';

interface Running {
  p: ServerProcess;
  peer: Peer;
  dataDir: string;
}

async function startServer(clusterName: string, args: string[] = []): Promise<Running> {
  const { p, dataDir } = await fx.server(['--flush-ms', '10', '--cluster', clusterName, ...args]);
  const peer = await Peer.open(await p.port());
  fx.cleanups.push(async () => peer.close());
  return { p, peer, dataDir };
}

let seq = 0;
const rec = (msg: string, sysId = 'SYS'): LogRecordInput => ({
  sysId,
  msgType: 'TXT',
  fileName: 'app',
  timeUs: 1_763_883_686_000_000,
  msg,
});

/** Sends one record and waits for its ACK: it is in the file. */
async function send(peer: Peer, record: LogRecordInput): Promise<void> {
  const s = ++seq;
  await peer.send(encodeLogFrame([record], { sender: 9, seq: s, flags: Flag.ACK_WANTED }));
  await peer.waitForAck(9, s);
}

/**
 * Sends one record, waits until the server handled it (the PONG of a later PING), and
 * resolves with the server's count of records refused for their sys_id (SIGUSR1's stats).
 */
async function sendRefused(r: Running, record: LogRecordInput): Promise<number> {
  await r.peer.send(encodeLogFrame([record], { sender: 9, seq: ++seq, flags: Flag.ACK_WANTED }));
  await r.peer.barrier();
  const before = r.p.stderr.match(/clogs-server stats .*\n/g)?.length ?? 0;
  r.p.child.kill('SIGUSR1');
  await saidTimes(r.p, /clogs-server stats .*\n/, before + 1, 'the stats line');
  const last = r.p.stderr.match(/clogs-server stats (.*)\n/g)!.at(-1)!;
  return JSON.parse(last.slice('clogs-server stats '.length)).dropped.sys_not_allowed as number;
}

async function messages(dataDir: string, sys = 'SYS'): Promise<string[]> {
  return (await readLines(dataDir, sys, 'app')).map((l) => parseLine(l)!.msg.toString());
}

/** Waits until stderr holds `n` matches of `re`. */
async function saidTimes(p: ServerProcess, re: RegExp, n: number, what: string): Promise<void> {
  const g = new RegExp(re.source, 'g');
  await p.until(() => (p.stderr.match(g)?.length ?? 0) >= n, what);
}

describe('clogs-server --etcd: settings from /clogs/<cluster>/server-config', () => {
  it('allowSys put: a sys_id accepted before is refused after; deleted: accepted again', async () => {
    const key = '/clogs/sc1/server-config';
    const r = await startServer('sc1');
    const { p, peer, dataDir } = r;
    await send(peer, rec('before'));
    await fx.etcd.put(key).value(JSON.stringify({ allowSys: ['OPS'] }));
    await saidTimes(
      p,
      /clogs-server applied \/clogs\/sc1\/server-config: allowSys default -> \["OPS"\] \(revision \d+\)/,
      1,
      'the applied allowSys line',
    );
    expect(await sendRefused(r, rec('refused'))).toBe(1);
    await send(peer, rec('ops', 'OPS'));
    await fx.etcd.delete().key(key);
    await saidTimes(
      p,
      /applied \/clogs\/sc1\/server-config: allowSys \["OPS"\] -> default/,
      1,
      'the fallback',
    );
    await send(peer, rec('after'));
    expect(await messages(dataDir)).toEqual(['before', 'after']);
    expect(await messages(dataDir, 'OPS')).toEqual(['ops']);

    // What anyone with write access to etcd puts there cannot drive the operator's terminal.
    await fx.etcd.put(key).value(JSON.stringify({ 'x\u001b[2Jy': 1, allowSys: ['A\u001b]0;B'] }));
    await saidTimes(p, /x\\x1b\[2Jy is not a setting/, 1, 'the escaped option name');
    await saidTimes(p, /allowSys refused: .*A\\x1b\]0;B/, 1, 'the escaped value');
    expect(p.stderr).not.toContain('\u001b');
    // A sub-system's own document: its records masked, the others' not.
    await fx.etcd.put(`${key}/PAY1`).value(JSON.stringify({ maskPan: true }));
    await fx.etcd.put(`${key}/TOO_LONG`).value(JSON.stringify({ maskPan: true }));
    await fx.etcd.put(`${key}/OPS`).value(JSON.stringify({ allowSys: ['X'] }));
    await saidTimes(p, /applied \/clogs\/sc1\/server-config\/PAY1: maskPan default -> true/, 1, 'PAY1');
    await saidTimes(p, /server-config\/TOO_LONG at revision \d+: not a sys_id/, 1, 'the bad sys_id');
    await saidTimes(
      p,
      /server-config\/OPS at revision \d+: allowSys is not a setting of a sub-system/,
      1,
      'OPS',
    );
    await send(peer, rec(`pay ${CARD}`, 'PAY1'));
    await send(peer, rec(`sys ${CARD}`));
    expect(await messages(dataDir, 'PAY1')).toEqual([`pay ${MASKED}`]);
    expect((await messages(dataDir)).at(-1)).toBe(`sys ${CARD}`);
    await fx.etcd.delete().key(`${key}/PAY1`);
    await saidTimes(p, /server-config\/PAY1: maskPan true -> default/, 1, "PAY1 back to the server's");
  });

  it('maskPan put: card numbers masked after; a bad value refused naming the key, the last good one kept', async () => {
    const key = '/clogs/sc2/server-config';
    const { p, peer, dataDir } = await startServer('sc2');
    await send(peer, rec(`pay ${CARD}`));
    await fx.etcd.put(key).value('{"maskPan": true, "rollBytes": 1048576}');
    await saidTimes(p, /applied \/clogs\/sc2\/server-config: maskPan false -> true/, 1, 'maskPan applied');
    await saidTimes(p, /applied \/clogs\/sc2\/server-config: rollBytes 268435456 -> 1048576/, 1, 'rollBytes');
    await send(peer, rec(`pay ${CARD}`));

    // One bad value: refused with the key, the option and the reason; the good one beside it applies.
    await fx.etcd.put(key).value('{"maskPan": "yes", "rollBytes": 2097152, "port": 9}');
    await saidTimes(
      p,
      /\/clogs\/sc2\/server-config at revision \d+: maskPan refused: maskPan must be a boolean, not yes; keeping true \[ERR_SERVER_CONFIG\]/,
      1,
      'the refusal',
    );
    await saidTimes(p, /server-config at revision \d+: port is not a setting a server takes live/, 1, 'port');
    await saidTimes(p, /rollBytes 1048576 -> 2097152/, 1, 'the good value beside the bad one');
    await send(peer, rec(`pay ${CARD}`));

    // Not JSON: nothing applies.
    await fx.etcd.put(key).value('{maskPan: false');
    await saidTimes(p, /server-config at revision \d+ is not a JSON object/, 1, 'the not-JSON refusal');
    await send(peer, rec(`pay ${CARD}`));

    // Deleted: back to the flags and defaults.
    await fx.etcd.delete().key(key);
    await saidTimes(p, /maskPan true -> false/, 1, 'maskPan back to its default');
    await saidTimes(p, /rollBytes 2097152 -> 268435456/, 1, 'rollBytes back to its default');
    await send(peer, rec(`pay ${CARD}`));
    expect(await messages(dataDir)).toEqual([
      `pay ${CARD}`,
      `pay ${MASKED}`,
      `pay ${MASKED}`,
      `pay ${MASKED}`,
      `pay ${CARD}`,
    ]);
    // One line per change: nothing said twice, nothing said for what did not change.
    expect(p.stderr.match(/clogs-server applied/g)).toHaveLength(5);
  });

  it('applies what etcd holds at start', async () => {
    const key = '/clogs/sc3/server-config';
    await fx.etcd.put(key).value(JSON.stringify({ maskPan: true }));
    const { p, peer, dataDir } = await startServer('sc3');
    await saidTimes(p, /applied \/clogs\/sc3\/server-config: maskPan false -> true/, 1, 'maskPan applied');
    await send(peer, rec(`pay ${CARD}`));
    expect(await messages(dataDir)).toEqual([`pay ${MASKED}`]);
  });

  it('a flag given wins over etcd, said once; etcd sets what the flags left', async () => {
    const key = '/clogs/sc4/server-config';
    const r = await startServer('sc4', ['--mask-pan', '--allow-sys', 'SYS']);
    const { p, peer, dataDir } = r;
    await fx.etcd.put(key).value(JSON.stringify({ maskPan: false, allowSys: ['OPS'], attribution: true }));
    await saidTimes(p, /applied \/clogs\/sc4\/server-config: attribution false -> true/, 1, 'attribution');
    await fx.etcd.put(key).value(JSON.stringify({ maskPan: false, allowSys: ['OPS'] }));
    await saidTimes(p, /attribution true -> false/, 1, 'attribution back');
    expect(p.stderr).toMatch(/sets maskPan, but --mask-pan was given: the command line wins/);
    expect(p.stderr.match(/sets maskPan, but/g)).toHaveLength(1);
    expect(p.stderr.match(/sets allowSys, but --allow-sys was given/g)).toHaveLength(1);
    expect(p.stderr).not.toMatch(/applied \S+: (maskPan|allowSys)/);
    await send(peer, rec(`pay ${CARD}`));
    expect(await sendRefused(r, rec('ops', 'OPS'))).toBe(1);
    expect(await messages(dataDir)).toEqual([`pay ${MASKED}`]);
  });
});
