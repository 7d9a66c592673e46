/**
 * A receiver in its own process, for the client benchmark, driven over IPC:
 *   clogs ack-after-write | ack-on-arrival
 *          runs clogs-server (decodes, writes every record to disk), ACKing once the lines
 *          are written (--ack-after-write: the client's window follows the disk) or once
 *          they are in the writer's buffer (the default)
 *   lines  a bare dgram socket that counts newline-separated lines (statsd and JSON peers),
 *          and the distinct line numbers of line-file.ts's lines among them (`distinct`)
 *   tcp    the same over TCP, LF-framed (rsyslog's omfwd with Protocol="tcp")
 *   count  a bare dgram socket that counts the records of clogs LOG frames by their header
 *          and answers PINGs and ACK_WANTED: the same kind of receiver as 'lines', for ours
 * It reports { port } once listening, and { records, datagrams, kernelDrops, lastAt } on 'stats'
 * (lastAt: process.hrtime.bigint() of the last datagram in, as a string).
 * CLOGS_BENCH_KEY (64 hex digits) in its environment gives clogs-server that key.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ControlFrameEncoder,
  createFrameKey,
  decodeHeader,
  encodeAck,
  encodePong,
  Kind,
  PongStatus,
} from '@clogs/protocol';
import { createServer } from 'clogs-server';

const mode = process.argv[2];
const send = (m: object) => process.send!(m);
// A benchmark stopped midway leaves no receiver behind (nor, below, its data dir).
let cleanup = () => {};
process.on('disconnect', () => {
  cleanup();
  process.exit(0);
});

function kernelDrops(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const row = readFileSync('/proc/net/udp', 'latin1')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1]?.endsWith(hex));
  return row === undefined ? 0 : Number(row.trim().split(/\s+/).at(-1));
}

/** Which of line-file.ts's line numbers came (a byte per number): repeats and losses tell apart. */
class LineNumbers {
  private seen = new Uint8Array(1 << 20);
  distinct = 0;
  private static readonly NUMBERED = Buffer.from('PAY1 TXT ');

  see(buf: Buffer): void {
    const tag = LineNumbers.NUMBERED;
    for (let at = buf.indexOf(tag); at >= 0; at = buf.indexOf(tag, at + 1)) {
      const n = Number(buf.toString('latin1', at + tag.length, at + tag.length + 8));
      if (!Number.isInteger(n)) continue;
      if (n >= this.seen.length) {
        const grown = new Uint8Array(Math.max(n + 1, this.seen.length * 2));
        grown.set(this.seen);
        this.seen = grown;
      }
      if (this.seen[n] === 0) {
        this.seen[n] = 1;
        this.distinct++;
      }
    }
  }
}

if (mode === 'tcp') {
  // rsyslog's omfwd over TCP (LF-framed): its repeats counted without UDP's losses in the way.
  const numbers = new LineNumbers();
  let records = 0;
  let reads = 0;
  let lastAt = process.hrtime.bigint();
  const server = createTcpServer((sock) => {
    let rest = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      lastAt = process.hrtime.bigint();
      reads++;
      const buf = rest.length === 0 ? d : Buffer.concat([rest, d]);
      let start = 0;
      for (let lf = buf.indexOf(0x0a); lf >= 0; lf = buf.indexOf(0x0a, start)) {
        records++;
        numbers.see(buf.subarray(start, lf));
        start = lf + 1;
      }
      rest = Buffer.from(buf.subarray(start));
    });
    sock.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as { port: number }).port }));
  process.on('message', (m: string) => {
    if (m === 'stats')
      send({ records, datagrams: reads, kernelDrops: 0, lastAt: String(lastAt), distinct: numbers.distinct });
    else if (m === 'stop') process.exit(0);
  });
} else if (mode === 'clogs') {
  const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-recv-'));
  const server = await createServer({
    port: 0,
    dataDir: dir,
    rollBytes: 64 * 2 ** 20,
    ackAfterWrite: process.argv[3] === 'ack-after-write',
    keys: process.env.CLOGS_BENCH_KEY
      ? [createFrameKey(Buffer.from(process.env.CLOGS_BENCH_KEY, 'hex'))]
      : [],
  });
  cleanup = () => rmSync(dir, { recursive: true, force: true });
  send({ port: server.address.port });
  // When the last record came in, to the ms: the server's own counter, polled. stats()
  // would read /proc on every call; the counters object is what it copies.
  const counters = (server as unknown as { counters: { records: number } }).counters;
  let seen = 0;
  let lastAt = process.hrtime.bigint();
  setInterval(() => {
    if (counters.records !== seen) {
      seen = counters.records;
      lastAt = process.hrtime.bigint();
    }
  }, 1);
  process.on('message', async (m: string) => {
    if (m === 'stats') {
      const s = server.stats();
      send({
        records: s.records,
        datagrams: s.datagrams,
        kernelDrops: s.kernelDrops ?? 0,
        serverDrops: Object.values(s.dropped).reduce((a, b) => a + b, 0),
        lastAt: String(lastAt),
      });
    } else if (m === 'stop') {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
} else {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 2 ** 20 });
  let records = 0;
  let datagrams = 0;
  let lastAt = process.hrtime.bigint();
  const numbers = new LineNumbers();
  const pong = new ControlFrameEncoder(Kind.PONG);
  const ack = new ControlFrameEncoder(Kind.ACK);
  const range = new Uint32Array(2);
  socket.on('message', (msg, rinfo) => {
    lastAt = process.hrtime.bigint();
    datagrams++;
    if (mode === 'count') {
      // Answers in the version it is spoken to: a client taking it for a version 1 server
      // would send it nothing (and log() would measure the parked lane).
      const h = decodeHeader(msg);
      const v2 = h.version === 2;
      if (h.kind === Kind.PING) {
        const seq = (h.seq + 1) >>> 0;
        const reply = v2
          ? encodePong(h.sender, seq, { status: PongStatus.READY, window: 16384 })
          : pong.encode(h.sender, seq);
        socket.send(reply, rinfo.port, rinfo.address);
      } else {
        records += h.count;
        // The client's window is clocked by ACKs in both modes.
        if (h.ackWanted) {
          range[0] = h.seq;
          range[1] = h.seq;
          socket.send(
            v2 ? encodeAck(h.sender, range, 1) : ack.encode(h.sender, h.seq),
            rinfo.port,
            rinfo.address,
          );
        }
      }
      return;
    }
    let lines = 1;
    for (let i = msg.indexOf(0x0a); i >= 0 && i < msg.length - 1; i = msg.indexOf(0x0a, i + 1)) lines++;
    records += lines;
    numbers.see(msg);
  });
  socket.bind(0, '127.0.0.1', () => send({ port: socket.address().port }));
  process.on('message', (m: string) => {
    if (m === 'stats')
      send({
        records,
        datagrams,
        kernelDrops: kernelDrops(socket.address().port),
        lastAt: String(lastAt),
        distinct: numbers.distinct,
      });
    else if (m === 'stop') process.exit(0);
  });
}
