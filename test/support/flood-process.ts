// A flooding process: sends COUNT valid LOG datagrams, as fast as loopback takes them,
// each with a random sender id, sys_id (4 of [A-Z0-9]) and file_name (16 of [a-z0-9]),
// at 127.0.0.1:PORT. One frame is made with the protocol's encoder; each datagram is a
// copy with those bytes overwritten. Stops at COUNT or after MAX_MS, whichever comes
// first; prints "flood at N" every 50,000 datagrams and "flood sent N in MS ms" at the end.
//   node --import tsx --conditions=source flood-process.ts PORT COUNT MAX_MS
import { createSocket } from 'node:dgram';
import { encodeLogFrame } from '@clogs/protocol';

const [portArg, countArg, maxMsArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const maxMs = Number(maxMsArg ?? 60_000);

const SYS = 'SSSS';
const FILE = 'ffffffffffffffff';
const template = Buffer.from(
  encodeLogFrame([{ sysId: SYS, msgType: 'TXT', fileName: FILE, timeUs: 1, msg: 'flood '.repeat(8) }], {
    sender: 1,
    seq: 1,
  }),
);
const sysAt = template.indexOf(SYS);
const fileAt = template.indexOf(FILE);
if (sysAt < 0 || fileAt < 0) throw new Error('template fields not found');

const ID = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
const NAME = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789');
// xorshift32: fast, and the same flood for the same count
let state = 0x9e3779b9;
const rand = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
};

/** Datagrams handed to the socket and not yet sent: each has its own buffer from the ring. */
const RING = 1024;
const ring = Array.from({ length: RING }, () => Buffer.from(template));
let inFlight = 0;
let sent = 0;
let made = 0;
let wake: (() => void) | undefined;
const socket = createSocket({ type: 'udp4', sendBufferSize: 8 * 2 ** 20 });
const done = () => {
  inFlight--;
  sent++;
  if (inFlight < RING / 2) wake?.();
};

const started = performance.now();
socket.connect(port, '127.0.0.1', async () => {
  while (made < count && performance.now() - started < maxMs) {
    while (inFlight < RING && made < count) {
      const b = ring[made % RING]!;
      b.writeUInt32BE(rand(), 8); // sender
      b.writeUInt32BE(made + 1, 12); // seq
      const r1 = rand();
      for (let k = 0; k < 4; k++) b[sysAt + k] = ID[((r1 >>> (k * 8)) & 0xff) % ID.length]!;
      // 16 characters from 4 random words: 8 bits each, 36 letters, so names rarely repeat
      for (let w = 0; w < 4; w++) {
        const r = rand();
        for (let k = 0; k < 4; k++) b[fileAt + w * 4 + k] = NAME[((r >>> (k * 8)) & 0xff) % NAME.length]!;
      }
      inFlight++;
      made++;
      socket.send(b, done);
      if (made % 50_000 === 0) process.stdout.write(`flood at ${made}\n`);
    }
    if (made >= count) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
  while (inFlight > 0) await new Promise((resolve) => setImmediate(resolve));
  process.stdout.write(`flood sent ${sent} in ${Math.round(performance.now() - started)} ms\n`);
  socket.close();
});
