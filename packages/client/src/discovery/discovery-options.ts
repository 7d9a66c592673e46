import { type EtcdAccess, EtcdError, etcd3Path, loadEtcdAccess } from '@clogs/etcd';
import { ClientError } from '../errors.js';

/** The `discovery` option: learn the fleet from etcd instead of a `servers` list. */
export interface DiscoveryOptions {
  /** etcd members: `'http://host:port'`, a list of them, or one string with commas. */
  etcd: string | readonly string[];
  /** The fleet's cluster: servers registered under `/clogs/<cluster>/servers/`. Default `'default'`. */
  cluster?: string | undefined;
  /** With `https://` members: PEM file of the CA that signed etcd's certificate (default: the system's CAs). */
  caFile?: string | undefined;
  /** PEM file of the client certificate etcd asks for (its `--client-cert-auth`); with `keyFile`. */
  certFile?: string | undefined;
  /** PEM file of that certificate's private key: refused if group or others may read it. */
  keyFile?: string | undefined;
  /** etcd user, when etcd's authentication is enabled; with `password` or `passwordFile`. */
  user?: string | undefined;
  /** The user's password. */
  password?: string | undefined;
  /** A file holding the user's password (one trailing newline ignored): refused if group or others may read it. */
  passwordFile?: string | undefined;
}

/** The `discovery` option checked, its files read. */
export interface ResolvedDiscovery {
  etcd: string[];
  cluster: string;
  /** The members, TLS and user, files read and checked: what the worker connects with. */
  access: EtcdAccess;
}

function bad(rule: string, value: unknown): ClientError {
  return new ClientError('ERR_CLIENT_BAD_OPTION', `discovery.${rule}, not ${JSON.stringify(value)}`);
}

/**
 * Checks the `discovery` option and reads the files it names.
 * @throws {ClientError} `ERR_CLIENT_BAD_OPTION`, or `ERR_CLIENT_NOT_INSTALLED` without the etcd client.
 */
export function resolveDiscovery(o: DiscoveryOptions | undefined): ResolvedDiscovery | undefined {
  if (o === undefined) return undefined;
  if (typeof o !== 'object' || o === null) throw bad('etcd must be given: { etcd, cluster? }', o);
  const list = typeof o.etcd === 'string' ? o.etcd.split(',') : o.etcd;
  if (!Array.isArray(list) || list.length === 0) throw bad('etcd must be a URL or a list of them', o.etcd);
  const etcd = list.map((u) => (typeof u === 'string' ? u.trim() : u));
  for (const url of etcd) {
    if (typeof url !== 'string' || !/^https?:\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}\/?$/.test(url)) {
      throw bad('etcd must be http://host:port URLs', url);
    }
  }
  const cluster = o.cluster ?? 'default';
  if (typeof cluster !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(cluster)) {
    throw bad('cluster must be 1-128 of [A-Za-z0-9_.-]', cluster);
  }
  for (const k of ['caFile', 'certFile', 'keyFile', 'user', 'password', 'passwordFile'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'string') throw bad(`${k} must be a string`, o[k]);
  }
  try {
    etcd3Path('discovery');
    const access = loadEtcdAccess({ ...o, hosts: etcd as string[] }, DISCOVERY_NAMES);
    return { etcd: access.hosts, cluster, access };
  } catch (err) {
    if (!EtcdError.is(err)) throw err;
    const code = err.code === 'ERR_ETCD_NOT_INSTALLED' ? 'ERR_CLIENT_NOT_INSTALLED' : 'ERR_CLIENT_BAD_OPTION';
    throw new ClientError(code, err.detail, { cause: err });
  }
}

/** The connection options as a client's user writes them, for errors. */
const DISCOVERY_NAMES = {
  hosts: 'discovery.etcd',
  caFile: 'discovery.caFile',
  certFile: 'discovery.certFile',
  keyFile: 'discovery.keyFile',
  user: 'discovery.user',
  password: 'discovery.password',
  passwordFile: 'discovery.passwordFile',
};
