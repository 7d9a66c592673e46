/**
 * The naive sender a script author writes with @clogs/protocol: each stdin line
 * (`sys_id msg_type msg`) is one LOG frame of one record in its own datagram, encoded
 * and sent as it is read (no batching, no flow control, no ACKs). The baseline
 * clogs-cli is measured against into the same clogs-server.
 *
 *   producer | node naive-frame-sender.mjs --port 7070 (plain JS: no loader to start)
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { encodeLogFrame } from '@clogs/protocol';

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
});
const socket = createSocket('udp4');
socket.connect(Number(values.port), values.host);
await new Promise((resolve) => socket.once('connect', resolve));
const sender = randomInt(2 ** 32);
let seq = 0;
let pending = 0;
let ended = false;
const done = () => {
  if (ended && pending === 0) socket.close();
};
for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const frame = encodeLogFrame(
    [{ sysId: line.slice(0, a), msgType: line.slice(a + 1, b), fileName: 'bench', msg: line.slice(b + 1) }],
    { sender, seq: ++seq },
  );
  pending++;
  socket.send(frame, () => {
    pending--;
    done();
  });
}
ended = true;
done();
