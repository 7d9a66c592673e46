import { isIP } from 'node:net';
import { ClientError } from './errors.js';

/** A server as configured: where it is, its share of the keys, and the name that is hashed. */
export interface ServerSpec {
  host: string;
  port: number;
  /** Relative share of the continuum, > 0. Default 1. */
  weight: number;
  /** What the continuum hashes: keep it when the address changes. Default `host:port`. */
  name: string;
}

export type ServerInput = string | { host: string; port: number; weight?: number; name?: string };

function bad(spec: unknown, why: string): ClientError {
  return new ClientError('ERR_CLIENT_BAD_SERVER', `bad server ${JSON.stringify(spec)}: ${why}`);
}

/**
 * Parses the clogs/twemproxy server form `host:port[:weight][ name]`; IPv6 hosts go in
 * brackets (`[::1]:7070:2 log-a`). Objects are checked the same way.
 */
export function parseServer(input: ServerInput): ServerSpec {
  let host: string;
  let port: number;
  let weight = 1;
  let name: string | undefined;
  if (typeof input === 'string') {
    const m = /^\s*(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d+)(?::(\d+))?(?:\s+(\S+))?\s*$/.exec(input);
    if (!m) throw bad(input, 'expected host:port[:weight][ name]');
    host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
    port = Number(m[2]);
    if (m[3] !== undefined) weight = Number(m[3]);
    name = m[4];
  } else if (typeof input === 'object' && input !== null) {
    ({ host, port } = input);
    weight = input.weight ?? 1;
    name = input.name;
  } else {
    throw bad(input, 'expected a string or { host, port }');
  }
  if (typeof host !== 'string' || host === '') throw bad(input, 'host is empty');
  if (host.includes(':') && isIP(host) !== 6) throw bad(input, 'not an IPv6 address');
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw bad(input, 'port must be 1..65535');
  if (!Number.isInteger(weight) || weight < 1 || weight > 1_000_000)
    throw bad(input, 'weight must be 1..1000000');
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw bad(input, 'name is empty');
  return { host, port, weight, name: name ?? (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`) };
}

/** A host that names this machine's loopback: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
