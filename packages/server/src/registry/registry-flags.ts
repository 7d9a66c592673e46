import { isIP } from 'node:net';
import {
  type EtcdAccess,
  type EtcdConnectOptions,
  etcd3Path,
  loadEtcdAccess,
  MAX_WEIGHT,
  printable,
  registrationProblem,
} from '@clogs/etcd';
import { ServerError } from '../errors.js';
import type { ServerAddress } from '../server.js';
import type { RegistrationOptions } from './registration.js';
import { addressName, checkCluster, checkName, parseAdvertise, parseEtcdUrls } from './registry-checks.js';

/** The command line's registration flags, as parseArgs gives them. */
export interface RegistryFlags {
  etcd?: string | undefined;
  cluster?: string | undefined;
  name?: string | undefined;
  weight?: string | undefined;
  advertise?: string | undefined;
  'lease-ttl'?: string | undefined;
  'etcd-ca'?: string | undefined;
  'etcd-cert'?: string | undefined;
  'etcd-key'?: string | undefined;
  'etcd-user'?: string | undefined;
  'etcd-password-file'?: string | undefined;
}

/** The environment variable that may hold `--etcd-user`'s password instead of a file. */
export const ETCD_PASSWORD_ENV = 'CLOGS_ETCD_PASSWORD';

/** The connection options as the command line calls them, for errors. */
const FLAG_NAMES = {
  hosts: '--etcd',
  caFile: '--etcd-ca',
  certFile: '--etcd-cert',
  keyFile: '--etcd-key',
  user: '--etcd-user',
  password: ETCD_PASSWORD_ENV,
  passwordFile: '--etcd-password-file',
};

/** Default lease: a crashed server leaves the fleet this many seconds after its last keepalive. */
export const DEFAULT_LEASE_TTL_SEC = 5;

/** What the flags ask for, checked before the socket is bound; undefined without `--etcd`. */
export interface RegistryPlan {
  etcd: string[];
  /** How to reach etcd: its files are read by {@link loadRegistryAccess}. */
  connect: EtcdConnectOptions;
  cluster: string;
  name: string | undefined;
  weight: number;
  advertise: { host: string; port: number } | undefined;
  leaseTtlSec: number;
}

function whole(flag: string, text: string, min: number, max: number): number {
  const n = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= min && n <= max)) {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `${flag} must be a whole number ${min}..${max}, not ${text}`,
    );
  }
  return n;
}

/**
 * Checks the flags; `listenHost` is `--host` (a wildcard address needs `--advertise`);
 * `env` may hold the password ({@link ETCD_PASSWORD_ENV}), read only with `--etcd-user`.
 */
export function planRegistry(
  flags: RegistryFlags,
  listenHost: string | undefined,
  env: NodeJS.ProcessEnv = {},
): RegistryPlan | undefined {
  if (flags.etcd === undefined) {
    const stray = (
      [
        'cluster',
        'name',
        'weight',
        'advertise',
        'lease-ttl',
        'etcd-ca',
        'etcd-cert',
        'etcd-key',
        'etcd-user',
        'etcd-password-file',
      ] as const
    ).find((f) => flags[f] !== undefined);
    if (stray !== undefined) throw new ServerError('ERR_SERVER_BAD_OPTION', `--${stray} needs --etcd`);
    return undefined;
  }
  const advertise = flags.advertise === undefined ? undefined : parseAdvertise(flags.advertise);
  const host = listenHost ?? '127.0.0.1';
  if (advertise === undefined && isIP(host) !== 0 && /^(0\.0\.0\.0|::|0:0:0:0:0:0:0:0)$/.test(host)) {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `--host ${host} listens on every address: say which one clients reach with --advertise host:port`,
    );
  }
  const etcd = parseEtcdUrls(flags.etcd);
  return {
    etcd,
    connect: {
      hosts: etcd,
      caFile: flags['etcd-ca'],
      certFile: flags['etcd-cert'],
      keyFile: flags['etcd-key'],
      user: flags['etcd-user'],
      passwordFile: flags['etcd-password-file'],
      // The file wins: a password in the environment is for where no file can be kept.
      password: flags['etcd-password-file'] === undefined ? env[ETCD_PASSWORD_ENV] : undefined,
    },
    cluster: checkCluster(flags.cluster ?? 'default'),
    name: flags.name === undefined ? undefined : checkName(flags.name),
    weight: flags.weight === undefined ? 1 : whole('--weight', flags.weight, 1, MAX_WEIGHT),
    advertise,
    leaseTtlSec:
      flags['lease-ttl'] === undefined
        ? DEFAULT_LEASE_TTL_SEC
        : whole('--lease-ttl', flags['lease-ttl'], 1, 3600),
  };
}

/**
 * Checks that etcd3 is installed and reads the connection's files (its TLS, the password).
 * @throws {EtcdError} `ERR_ETCD_NOT_INSTALLED`, `ERR_ETCD_BAD_OPTION` or `ERR_ETCD_FILE`.
 */
export function loadRegistryAccess(plan: RegistryPlan): EtcdAccess {
  etcd3Path('--etcd');
  return loadEtcdAccess(plan.connect, FLAG_NAMES);
}

/**
 * The registration, once the socket is bound: the address defaults to the bound one,
 * the name to that address. What is written is held to the rules clients read with
 * (registrationProblem()): a server never registers what its clients would ignore.
 */
export function registrationOptions(
  plan: RegistryPlan,
  access: EtcdAccess,
  bound: ServerAddress,
): RegistrationOptions {
  const { host, port } = plan.advertise ?? bound;
  const name = plan.name ?? addressName(host, port);
  const record = { host, port, weight: plan.weight };
  const problem = registrationProblem(name, record);
  if (problem !== undefined) {
    throw new ServerError(
      'ERR_SERVER_BAD_OPTION',
      `cannot register ${printable(name)} = ${printable(JSON.stringify(record))}: ${problem}`,
    );
  }
  return { access, cluster: plan.cluster, name, record, leaseTtlSec: plan.leaseTtlSec };
}
