/**
 * A separate sender process for the server benchmark: sends LOG frames of 100-byte
 * records to one port at a paced rate for a fixed time, then prints what it sent as JSON.
 *
 *   node --import tsx --conditions=source udp-sender.ts --port 7070 --rate 1000000 --seconds 2 --frame 8192
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { BatchWriter, Level } from '@clogs/protocol';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    rate: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '2' },
    frame: { type: 'string', default: '8192' },
  },
});
const port = Number(values.port);
const rate = Number(values.rate); // records/s; 0 = as fast as possible
const seconds = Number(values.seconds);
const frameBytes = Number(values.frame);
if (!(port > 0 && port < 65536) || !(seconds > 0 && seconds <= 30))
  throw new Error('bad --port or --seconds');

// A ring of frames large enough that a buffer is never rewritten while a send of it may be queued.
const RING = 4096;
const sender = randomInt(2 ** 32);
const msg = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40);
const writer = new BatchWriter({ sender, maxDatagramBytes: frameBytes });
const rec = {
  sysId: 'BNCH',
  msgType: 'TXT',
  fileName: 'bench',
  level: Level.INFO,
  timeUs: Date.now() * 1000,
  msg,
};
while (writer.append(rec)) {
  // fill one frame
}
const perFrame = writer.count;
const template = Buffer.from(writer.finish(0));
const ring = Array.from({ length: RING }, () => Buffer.from(template));

const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 2 ** 20 });
socket.connect(port, values.host, () => {
  let seq = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  // Each turn sends what the rate allows so far (at most 64 frames), then sleeps ~1 ms, as
  // a paced client does: a sender spinning on setImmediate would take a whole core from
  // the server on a 2-core machine. Flat out (rate 0) does spin.
  const tick = () => {
    const now = performance.now();
    if (now >= end) {
      socket.close();
      process.stdout.write(
        `${JSON.stringify({ frames: seq, records: seq * perFrame, perFrame, seconds: (now - start) / 1000, sender })}\n`,
      );
      return;
    }
    const due = rate === 0 ? seq + 64 : Math.floor((((now - start) / 1000) * rate) / perFrame);
    for (let n = 0; seq < due && n < (rate === 0 ? 64 : 256); n++, seq++) {
      const frame = ring[seq % RING]!;
      frame.writeUInt32BE(seq >>> 0, 12);
      socket.send(frame);
    }
    if (rate === 0) setImmediate(tick);
    else setTimeout(tick, 1);
  };
  tick();
});
