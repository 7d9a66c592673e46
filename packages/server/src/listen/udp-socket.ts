import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { ServerError } from '../errors.js';

export interface BoundSocket {
  socket: Socket;
  host: string;
  port: number;
  family: 'IPv4' | 'IPv6';
  recvBufferBytes: number;
}

/** Binds a UDP socket and asks for a receive buffer of `recvBufferBytes` (the kernel may grant less). */
export function bindUdp(host: string, port: number, recvBufferBytes: number): Promise<BoundSocket> {
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: recvBufferBytes });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      socket.close();
      reject(
        new ServerError('ERR_SERVER_LISTEN', `cannot listen on ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', fail);
    socket.bind(port, host, () => {
      socket.off('error', fail);
      const a = socket.address();
      resolve({
        socket,
        host: a.address,
        port: a.port,
        family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
        recvBufferBytes: socket.getRecvBufferSize(),
      });
    });
  });
}

/** This socket's row of /proc/net/udp(6): bytes waiting to be read, and datagrams dropped. */
interface SocketRow {
  rxQueueBytes: number;
  drops: number;
}

/** The kernel's counters for the local port; `undefined` off Linux. */
function socketRow(port: number, family: 'IPv4' | 'IPv6'): SocketRow | undefined {
  let table: string;
  try {
    table = readFileSync(family === 'IPv6' ? '/proc/net/udp6' : '/proc/net/udp', 'latin1');
  } catch {
    return undefined;
  }
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const row: SocketRow = { rxQueueBytes: 0, drops: 0 };
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (!cols[1]?.endsWith(portHex)) continue;
    // "tx_queue:rx_queue", in hex
    row.rxQueueBytes += Number.parseInt(cols[4]?.split(':')[1] ?? '0', 16);
    row.drops += Number(cols[cols.length - 1]);
  }
  return row;
}

/**
 * Datagrams the kernel dropped on this socket for want of receive-buffer room: the
 * `drops` column of /proc/net/udp(6) for the local port. `undefined` off Linux.
 */
export function kernelDrops(port: number, family: 'IPv4' | 'IPv6'): number | undefined {
  return socketRow(port, family)?.drops;
}

/** Bytes the kernel holds for this socket, not yet read; 0 off Linux (nothing to wait for). */
export function unreadBytes(port: number, family: 'IPv4' | 'IPv6'): number {
  return socketRow(port, family)?.rxQueueBytes ?? 0;
}

/** 127.0.0.0/8 and ::1 (also IPv4-mapped): reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return /^(?:::ffff:)?127\./i.test(address) || address === '::1';
}
