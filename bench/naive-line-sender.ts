/**
 * The naive sender a script author writes first: each stdin line is one UDP datagram,
 * sent as it is read (a connected socket, no batching, no flow control, no ACKs).
 *
 *   producer | node --import tsx naive-line-sender.ts --port 7070
 */
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
});
const socket = createSocket('udp4');
socket.connect(Number(values.port), values.host);
await new Promise((resolve) => socket.once('connect', resolve));
let pending = 0;
let ended = false;
const done = () => {
  if (ended && pending === 0) socket.close();
};
for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
  pending++;
  socket.send(line, () => {
    pending--;
    done();
  });
}
ended = true;
done();
