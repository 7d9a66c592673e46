import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { EtcdError } from './etcd-error.js';
import { printable } from './printable.js';

/**
 * How to reach etcd, as users give it: the members, and for a secured etcd the files
 * of its TLS and the user. Secrets come from files or the caller, never from a
 * command line (argv is visible to every user of the machine).
 */
export interface EtcdConnectOptions {
  /** The members, `http://host:port` or `https://host:port` each. */
  hosts: readonly string[];
  /** PEM file of the CA that signed etcd's certificate. Default: the system's CAs (with https). */
  caFile?: string | undefined;
  /** PEM file of this side's client certificate (etcd's `--client-cert-auth`); with `keyFile`. */
  certFile?: string | undefined;
  /** PEM file of the client certificate's private key; refused if group or others may read it. */
  keyFile?: string | undefined;
  /** etcd user (etcd's auth enabled); with a password. */
  user?: string | undefined;
  /** The user's password, from wherever the caller keeps it (not a command line). */
  password?: string | undefined;
  /** A file holding the password (one trailing newline ignored); refused if group or others may read it. */
  passwordFile?: string | undefined;
}

/** What each option is called where the user set it (`--etcd-ca`, `discovery.caFile`), for errors. */
export type OptionNames = Record<Exclude<keyof EtcdConnectOptions, 'hosts'>, string> & { hosts: string };

export const DEFAULT_NAMES: OptionNames = {
  hosts: 'etcd',
  caFile: 'caFile',
  certFile: 'certFile',
  keyFile: 'keyFile',
  user: 'user',
  password: 'password',
  passwordFile: 'passwordFile',
};

/**
 * {@link EtcdConnectOptions} with every file read and checked: what {@link connectEtcd}
 * takes. Plain data (it crosses to a worker thread by structured clone).
 */
export interface EtcdAccess {
  hosts: string[];
  /** Present for https members. */
  tls: { ca: Buffer | undefined; cert: Buffer | undefined; key: Buffer | undefined } | undefined;
  auth: { user: string; password: string } | undefined;
}

const URL_FORM = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})\/?$/;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/;

function bad(message: string): EtcdError {
  return new EtcdError('ERR_ETCD_BAD_OPTION', message);
}

function badFile(message: string, cause?: unknown): EtcdError {
  return new EtcdError('ERR_ETCD_FILE', message, cause === undefined ? undefined : { cause });
}

/**
 * Reads a file that holds a secret (a private key, a password): refused when its mode
 * lets group or others read or write it, as ssh does with a private key. The check is
 * on the open file, so a file swapped between the check and the read cannot slip past.
 */
export function readSecretFile(path: string, option: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw badFile(`cannot read ${option} ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
  try {
    const { mode } = fstatSync(fd);
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      throw badFile(
        `${option} ${path} may be read by group or others (mode ${octal}): refused; chmod 600 ${path}`,
      );
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

function readPublicFile(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw badFile(`cannot read ${option} ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, err);
  }
}

/** A password file's text, less one trailing newline (LF or CRLF) so one written with `echo` works. */
function passwordOf(bytes: Buffer): string {
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end--;
  if (bytes[end - 1] === 0x0d) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Checks the options and reads their files (synchronously: it runs once, before a
 * client or server starts, so a mistake is an error at once rather than a retry loop).
 * @throws {EtcdError} `ERR_ETCD_BAD_OPTION` or `ERR_ETCD_FILE`, naming the option as `names` calls it.
 */
export function loadEtcdAccess(o: EtcdConnectOptions, names: OptionNames = DEFAULT_NAMES): EtcdAccess {
  const hosts = [...o.hosts];
  if (hosts.length === 0) throw bad(`${names.hosts} names no etcd member`);
  let secure = 0;
  let loopback = 0;
  for (const url of hosts) {
    const m = URL_FORM.exec(url);
    if (m === null) throw bad(`${names.hosts} must be http(s)://host:port URLs, not ${JSON.stringify(url)}`);
    if (m[1] === 'https') secure++;
    if (LOOPBACK.test(m[2]!)) loopback++;
  }
  if (secure !== 0 && secure !== hosts.length)
    throw bad(`${names.hosts} mixes http:// and https:// members: all or none use TLS`);
  const tlsFiles = (['caFile', 'certFile', 'keyFile'] as const).filter((k) => o[k] !== undefined);
  if (secure === 0 && tlsFiles.length > 0) {
    throw bad(`${names[tlsFiles[0]!]} is for TLS: the etcd members must be https:// URLs`);
  }
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) {
    throw bad(`${names.certFile} and ${names.keyFile} go together: the certificate and its private key`);
  }
  if (o.password !== undefined && o.passwordFile !== undefined)
    throw bad(`${names.password} and ${names.passwordFile}: one or the other`);
  const hasPassword = o.password !== undefined || o.passwordFile !== undefined;
  if (o.user === undefined && hasPassword) throw bad(`a password needs ${names.user}`);
  if (o.user !== undefined && !hasPassword)
    throw bad(`${names.user} needs a password (${names.passwordFile})`);
  if (o.user !== undefined && (o.user === '' || printable(o.user) !== o.user))
    throw bad(`${names.user} must be a user name`);
  // The password goes to etcd as it is given: over plain TCP only on this machine.
  if (hasPassword && secure === 0 && loopback !== hosts.length) {
    throw bad(
      `a password would cross the network in clear text: use https:// members (${names.caFile}) for etcd off this machine`,
    );
  }
  const tls =
    secure === 0
      ? undefined
      : {
          ca: o.caFile === undefined ? undefined : readPublicFile(o.caFile, names.caFile),
          cert: o.certFile === undefined ? undefined : readPublicFile(o.certFile, names.certFile),
          key: o.keyFile === undefined ? undefined : readSecretFile(o.keyFile, names.keyFile),
        };
  let auth: EtcdAccess['auth'];
  if (o.user !== undefined) {
    const password =
      o.passwordFile === undefined
        ? o.password!
        : passwordOf(readSecretFile(o.passwordFile, names.passwordFile));
    if (password === '') throw bad(`the password of ${names.user} ${o.user} is empty`);
    auth = { user: o.user, password };
  }
  return { hosts, tls, auth };
}
