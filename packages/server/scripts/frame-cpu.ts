/**
 * Server CPU per LOG frame: a clogs-server process takes `--frames` frames of about 1.4 KB
 * (a client's default datagram, 10 records) with ACK_WANTED from this process, which
 * keeps at most 64 unacknowledged; the server's user+system CPU over the run (from
 * /proc/<pid>/stat, after 2,000 frames of warm-up) divided by the frames.
 *
 *   node --import tsx --conditions=source packages/server/scripts/frame-cpu.ts --mode sealed
 *
 * Modes: v1 (version 1, no key), v2 (plain version 2, no key), v1-hmac (version 1 HMAC
 * at a keyed server with --accept-v1), sealed (ChaCha20-Poly1305), aes (AES-256-GCM).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createFrameKey,
  decodeFrame,
  encodeLogFrame,
  encodePing,
  Flag,
  KeyRing,
  Kind,
  type LogRecordInput,
  SealSession,
} from '@clogs/protocol';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '50000' },
    mode: { type: 'string', default: 'v2' },
    // another checkout's server (a build from before, to compare): its src/bin.ts
    bin: { type: 'string' },
    // that server has no --accept-v1 (it takes version 1 HMAC frames with its key)
    'no-accept-v1': { type: 'boolean', default: false },
  },
});
const FRAMES = Number(values.frames);
const WARM = 2000;
const WINDOW = 64;
const MODE = values.mode;
const BIN = values.bin ?? new URL('../src/bin.ts', import.meta.url).pathname;
const OLD = values['no-accept-v1'];

const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
};

const dataDir = await mkdtemp(join(tmpdir(), 'clogs-cpu-'));
const keyBytes = Buffer.from('00112233445566778899aabbccddeeff0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
const keyFile = join(dataDir, 'key');
writeFileSync(keyFile, `${keyBytes.toString('hex')}\n`, { mode: 0o600 });
const keyArgs =
  MODE === 'v1' || MODE === 'v2' ? [] : ['--key-file', keyFile, ...(OLD ? [] : ['--accept-v1'])];
// Version 1 takes a key file's bytes as they are: the hex text is its key.
const v1Key = Buffer.from(keyBytes.toString('hex'));
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--conditions=source',
    BIN,
    '--port',
    '0',
    '--data-dir',
    `${dataDir}/d`,
    '--quiet',
    ...keyArgs,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = await new Promise<number>((resolve) => {
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
    const m = /udp:\/\/\S+:(\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
});

const key = createFrameKey(keyBytes);
const suite = MODE === 'aes' ? 2 : 1;
const session =
  MODE === 'sealed' || MODE === 'aes' ? new SealSession({ key, suite, direction: 'client' }) : undefined;
const decodeOptions =
  MODE === 'v1-hmac' ? { v1Key } : session !== undefined ? { keys: new KeyRing([key]) } : {};
const msg = `${'x'.repeat(60)} order 1234567 accepted for 99.95 EUR by gw-3 ok`.slice(0, 100);
const records: LogRecordInput[] = Array.from({ length: 10 }, () => ({
  sysId: 'BNCH',
  msgType: 'TXT',
  fileName: 'bench',
  level: 3,
  timeUs: Date.now() * 1000,
  msg,
}));
const socket = createSocket('udp4');
await new Promise<void>((r) => socket.connect(port, '127.0.0.1', r));

let boot: Buffer | undefined;
let onPong: (() => void) | undefined;
let acked = 0;
let sent = 0;
let t0 = 0;
let done: () => void;
const finished = new Promise<void>((r) => (done = r));
const frame = (seq: number) =>
  encodeLogFrame(records, {
    sender: 77,
    seq,
    flags: Flag.ACK_WANTED,
    version: MODE.startsWith('v1') ? 1 : 2,
    key: MODE === 'v1-hmac' ? v1Key : undefined,
    session,
    peer: boot,
  });
const pump = () => {
  while (sent < FRAMES + WARM && sent - acked < WINDOW) socket.send(frame(++sent));
};
socket.on('message', (m) => {
  const f = decodeFrame(m, decodeOptions);
  if (f.kind === Kind.PONG) {
    boot = Buffer.from(m.subarray(20, 28)); // the server's salt[0..8): its boot
    onPong?.();
    return;
  }
  if (f.kind !== Kind.ACK) return;
  acked +=
    f.version === 1 ? 1 : f.ranges.reduce((n, x, i) => (i % 2 === 1 ? n + x - f.ranges[i - 1]! + 1 : n), 0);
  if (acked >= WARM && t0 === 0) t0 = ticks(child.pid!);
  if (acked >= FRAMES + WARM) done();
  else pump();
});
if (session !== undefined) {
  await new Promise<void>((r) => {
    onPong = r;
    socket.send(encodePing(77, 1, session));
  });
}
const start = Date.now();
// A lost datagram stalls the window: give up rather than wait for ever.
const watchdog = setTimeout(() => {
  console.error(`stalled: ${acked} of ${FRAMES + WARM} frames ACKed`);
  child.kill('SIGKILL');
  process.exit(1);
}, 120_000);
pump();
await finished;
clearTimeout(watchdog);
const t1 = ticks(child.pid!);
console.log(
  JSON.stringify({
    mode: MODE,
    frames: FRAMES,
    bytes: frame(1).length,
    cpuUsPerFrame: ((t1 - t0) * 10_000) / FRAMES,
    wallMs: Date.now() - start,
  }),
);
child.kill('SIGTERM');
socket.close();
await new Promise((r) => child.on('exit', r));
await rm(dataDir, { recursive: true, force: true });
