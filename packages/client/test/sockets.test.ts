import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { decodeFrame, encodeAck, encodePong, Flag, Kind } from '@clogs/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_CONNECTED } from '../src/transport/socket-pool.js';
import { POLL } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/fleet-child.ts', import.meta.url));
const ERROR_CHILD = fileURLToPath(new URL('./fixtures/socket-error-child.ts', import.meta.url));

/** Runs a fixture under `ulimit -n <fds>`; resolves with its exit code and output. */
async function underUlimit(
  fds: number,
  fixture: string,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  const child = spawn(
    'bash',
    [
      '-c',
      `ulimit -n ${fds} && exec "$@"`,
      'bash',
      process.execPath,
      '--import',
      'tsx',
      '--conditions=source',
      fixture,
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

/** A version 2 PONG body: ready to write, a replay window of 16,384 frames. */
const READY = { status: 0, window: 16_384 };

/**
 * `n` minimal servers in this process, each a socket of its own on 127.0.0.1: PINGs get
 * their PONG, LOG frames their ACK, and each counts the records it took.
 */
async function minimalServers(n: number): Promise<{ ports: number[]; records: number[]; close(): void }> {
  const sockets: Socket[] = [];
  const records: number[] = [];
  for (let i = 0; i < n; i++) {
    const socket = createSocket('udp4');
    records.push(0);
    socket.on('message', (msg, from) => {
      const frame = decodeFrame(msg);
      if (frame.kind === Kind.PING)
        socket.send(encodePong(frame.sender, (frame.seq + 1) >>> 0, READY), from.port, from.address);
      if (frame.kind === Kind.LOG) {
        records[i]! += frame.records.length;
        if (frame.flags & Flag.ACK_WANTED)
          socket.send(encodeAck(frame.sender, [frame.seq, frame.seq], 1), from.port, from.address);
      }
    });
    const bound = new Promise<void>((resolve, reject) => {
      socket.once('error', (err) =>
        reject(
          new Error(`${n} servers need ${n} sockets in the test process (raise ulimit -n): ${err.message}`),
        ),
      );
      socket.bind(0, '127.0.0.1', resolve);
    });
    sockets.push(socket);
    await bound;
  }
  return {
    ports: sockets.map((s) => s.address().port),
    records,
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}

let servers: Awaited<ReturnType<typeof minimalServers>> | undefined;
afterEach(() => {
  servers?.close();
  servers = undefined;
});

describe('sockets: a bounded number, whatever the fleet', () => {
  it(`a client under ulimit -n 1024 addresses 5,000 servers: each answers and takes its record, with ${MAX_CONNECTED} connected sockets and one shared`, async () => {
    servers = await minimalServers(5000);
    const { code, out } = await underUlimit(1024, CHILD, [servers.ports.join(',')]);
    expect(code, out).toBe(0);
    const seen = JSON.parse(out.trim().split('\n').at(-1)!) as {
      flushed: boolean;
      states: Record<string, number>;
      sent: number;
      rerouted: number;
      warnings: string[];
      opened: number;
    };
    expect(seen).toEqual({
      flushed: true,
      states: { up: 5000 },
      sent: 5000,
      rerouted: 0,
      warnings: [],
      opened: MAX_CONNECTED + 1,
    });
    const got = servers.records;
    await vi.waitFor(
      () =>
        expect(
          got.flatMap((n, i) => (n === 1 ? [] : [`s${i}: ${n}`])),
          'servers and their records',
        ).toEqual([]),
      POLL,
    );
  }, 60_000);

  it('a socket that cannot be made (EMFILE) is a warning ERR_CLIENT_SOCKET, not a DNS error; the server gets one on its next try', async () => {
    servers = await minimalServers(2);
    const { code, out } = await underUlimit(256, ERROR_CHILD, servers.ports.map(String));
    expect(code, out).toBe(0);
    const [first, last] = out
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => JSON.parse(l));
    expect(first).toEqual({
      warnings: [
        expect.stringMatching(/^ERR_CLIENT_SOCKET: b: .*EMFILE/),
        expect.stringMatching(/^ERR_CLIENT_SOCKET: the client's shared udp4 socket: .*EMFILE/),
      ],
    });
    expect(last).toEqual({ b: 'up', warnings: 2 });
  });
});
