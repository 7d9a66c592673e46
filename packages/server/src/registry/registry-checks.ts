import { isIP } from 'node:net';
import { printable, SERVER_NAME } from '@clogs/etcd';
import { ServerError } from '../errors.js';

// The registration flags' values, checked before anything starts: a bad one is a usage error.

/** A cluster is one path segment of the key: letters, digits, `_`, `.`, `-`. */
export function checkCluster(cluster: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(cluster) || cluster === '.' || cluster === '..') {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `--cluster must be 1-128 of [A-Za-z0-9_.-], not ${cluster}`,
    );
  }
  return cluster;
}

/**
 * A name is what clients hash, a segment of the key, and printed in shells: 1-255 of
 * `[A-Za-z0-9_.:[]-]` ({@link SERVER_NAME}, which clients hold registrations to).
 */
export function checkName(name: string): string {
  if (!SERVER_NAME.test(name)) {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `--name must be 1-255 of [A-Za-z0-9_.:[]-], not "${printable(name)}"`,
    );
  }
  return name;
}

/** `host:port` (IPv6 in brackets) as clients write a server; the default name. */
export function addressName(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Parses `--advertise host:port` (`[v6]:port`). */
export function parseAdvertise(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):(\d{1,5})$/.exec(text);
  const port = m === null ? 0 : Number(m[2]);
  if (m === null || port < 1 || port > 65_535) {
    throw new ServerError('ERR_SERVER_BAD_OPTION', `--advertise must be host:port ([v6]:port), not ${text}`);
  }
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  if (host.includes(':') && isIP(host) !== 6) {
    throw new ServerError('ERR_SERVER_BAD_OPTION', `--advertise has a bad IPv6 address: ${text}`);
  }
  return { host, port };
}

/** Parses `--etcd url[,url...]`: http(s)://host:port each. */
export function parseEtcdUrls(text: string): string[] {
  const urls = text.split(',').map((u) => u.trim());
  for (const url of urls) {
    if (!/^https?:\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}\/?$/.test(url)) {
      throw new ServerError(
        'ERR_SERVER_BAD_OPTION',
        `--etcd must be http(s)://host:port[,http(s)://host:port...], not "${printable(url)}"`,
      );
    }
  }
  return urls;
}
