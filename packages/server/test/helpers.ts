import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AuthKey,
  decodeFrame,
  encodeControlFrame,
  encodeLogFrame,
  Flag,
  type Frame,
  Kind,
  type LogRecordInput,
} from '@clogs/protocol';
import { splitLines } from '../../../test/support/log-file.js';
import { ServerProcess } from '../../../test/support/server-process.js';

export { splitLines };

import { type ClogsServer, createServer, type ServerOptions } from '../src/index.js';

/** A temporary data folder, removed by `cleanup()`. */
export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'clogs-server-test-'));
}

/**
 * A clogs-server process on port 0 writing to a fresh temporary folder, given `args`;
 * `cleanups` kills it (SIGKILL) and removes the folder after the test.
 */
export async function serverProcess(
  args: string[],
  cleanups: (() => Promise<void>)[],
): Promise<{ p: ServerProcess; dataDir: string }> {
  const dataDir = await tempDir();
  const p = ServerProcess.start(['--port', '0', '--data-dir', dataDir, ...args]);
  cleanups.push(async () => {
    p.child.kill('SIGKILL');
    await p.exited;
    await rm(dataDir, { recursive: true, force: true });
  });
  return { p, dataDir };
}

export interface Harness {
  server: ClogsServer;
  dataDir: string;
  peer: Peer;
  cleanup(): Promise<void>;
}

/** A real server on 127.0.0.1 port 0 writing to a temporary folder (or `dir`), and a peer to talk to it. */
export async function startServer(
  options: ServerOptions = {},
  peerKey?: AuthKey,
  dir?: string,
): Promise<Harness> {
  const dataDir = dir ?? (await tempDir());
  const server = await createServer({ host: '127.0.0.1', port: 0, dataDir, flushMs: 60_000, ...options });
  const peer = await Peer.open(server.address.port, server.address.host, peerKey);
  return {
    server,
    dataDir,
    peer,
    async cleanup() {
      peer.close();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A UDP socket that sends datagrams to one server and collects what comes back. */
export class Peer {
  readonly replies: Frame[] = [];
  private waiters: (() => void)[] = [];
  private nextPing = 1;

  private constructor(
    private readonly socket: Socket,
    private readonly port: number,
    private readonly host: string,
    private readonly key: AuthKey | undefined,
  ) {
    socket.on('message', (msg) => {
      this.replies.push(decodeFrame(msg, { key, allowUnverified: key === undefined }));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(port: number, host = '127.0.0.1', key?: AuthKey): Promise<Peer> {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 * 2 ** 20 });
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new Peer(socket, port, host, key);
  }

  /** The port this peer sends from: what the server sees as the datagrams' source. */
  get localPort(): number {
    return this.socket.address().port;
  }

  send(datagram: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.port, this.host, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Waits (on arriving replies, never on a timer) until one matches; fails after `ms`. */
  async waitFor(match: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.replies.find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching reply within ${ms} ms (got ${this.replies.length} replies)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for an ACK of `sender` that covers `seq` (version 1: its seq; version 2: one of its ranges). */
  waitForAck(sender: number, seq: number, ms?: number): Promise<Frame> {
    return this.waitFor((f) => f.kind === Kind.ACK && f.sender === sender && ackedSeqs(f).includes(seq), ms);
  }

  /**
   * Sends a PING and waits for its PONG, then one more turn of the event loop: every
   * datagram sent before the PING has been handled by then.
   */
  async barrier(sender = 0xbabe): Promise<void> {
    this.nextPing += 2;
    const id = this.nextPing;
    await this.send(encodeControlFrame(Kind.PING, sender, id, this.key));
    await this.waitFor((f) => f.kind === Kind.PONG && f.sender === sender && f.seq === id + 1);
    // A server answers a PING as it reads it, and handles the LOG frames read with it in
    // that turn's check phase: queued after them, this runs once they are handled.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Replies of this kind; for ACKs, the seqs acknowledged (a version 2 ACK covers ranges). */
  count(kind: Kind): number {
    const of = this.replies.filter((f) => f.kind === kind);
    return kind === Kind.ACK ? of.reduce((n, f) => n + ackedSeqs(f).length, 0) : of.length;
  }

  close(): void {
    this.socket.close();
  }
}

/** The seqs an ACK frame acknowledges. */
export function ackedSeqs(f: Frame): number[] {
  if (f.version === 1) return [f.seq];
  const seqs: number[] = [];
  for (let i = 0; i < f.ranges.length; i += 2) {
    for (let s = f.ranges[i]!; ; s = (s + 1) >>> 0) {
      seqs.push(s);
      if (s === f.ranges[i + 1]) break;
    }
  }
  return seqs;
}

/** The lines of `<dataDir>/<sys>/<file>.log`, without their LFs; the file must exist and end with one. */
export async function readLines(dataDir: string, sys: string, file: string): Promise<Buffer[]> {
  return splitLines(await readFile(join(dataDir, sys, `${file}.log`)), { complete: true });
}

/** Every file under a folder, relative paths, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
    .sort();
}

/** A record as the server tests send it: SYS/TXT to file `app`, at a fixed time; `extra` on top. */
export function testRecord(msg: string, extra: Partial<LogRecordInput> = {}): LogRecordInput {
  return { sysId: 'SYS', msgType: 'TXT', fileName: 'app', timeUs: 1_763_883_686_000_000, msg, ...extra };
}

/** LOG frames from one sender, numbered 1, 2, … in the order made, each asking for an ACK. */
export class FrameSeries {
  /** The seq of the last frame made. */
  seq = 0;

  constructor(readonly sender: number) {}

  frame(records: LogRecordInput[]): Buffer {
    return encodeLogFrame(records, { sender: this.sender, seq: ++this.seq, flags: Flag.ACK_WANTED });
  }

  /** Sends one frame and waits for its ACK (its lines written: ackAfterWrite is the default). */
  async sendAcked(peer: Peer, records: LogRecordInput[]): Promise<void> {
    await peer.send(this.frame(records));
    await peer.waitForAck(this.sender, this.seq);
  }
}
