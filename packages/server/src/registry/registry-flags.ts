import { isIP } from 'node:net';
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
}

/** Default lease: a crashed server leaves the fleet this many seconds after its last keepalive. */
export const DEFAULT_LEASE_TTL_SEC = 5;

/** What the flags ask for, checked before the socket is bound; undefined without `--etcd`. */
export interface RegistryPlan {
  etcd: string[];
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

/** Checks the flags; `listenHost` is `--host` (a wildcard address needs `--advertise`). */
export function planRegistry(flags: RegistryFlags, listenHost: string | undefined): RegistryPlan | undefined {
  if (flags.etcd === undefined) {
    const stray = (['cluster', 'name', 'weight', 'advertise', 'lease-ttl'] as const).find(
      (f) => flags[f] !== undefined,
    );
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
  return {
    etcd: parseEtcdUrls(flags.etcd),
    cluster: checkCluster(flags.cluster ?? 'default'),
    name: flags.name === undefined ? undefined : checkName(flags.name),
    weight: flags.weight === undefined ? 1 : whole('--weight', flags.weight, 1, 1_000_000),
    advertise,
    leaseTtlSec:
      flags['lease-ttl'] === undefined
        ? DEFAULT_LEASE_TTL_SEC
        : whole('--lease-ttl', flags['lease-ttl'], 1, 3600),
  };
}

/** The registration, once the socket is bound: the address defaults to the bound one, the name to that address. */
export function registrationOptions(plan: RegistryPlan, bound: ServerAddress): RegistrationOptions {
  const { host, port } = plan.advertise ?? bound;
  return {
    etcd: plan.etcd,
    cluster: plan.cluster,
    name: plan.name ?? addressName(host, port),
    record: { host, port, weight: plan.weight },
    leaseTtlSec: plan.leaseTtlSec,
  };
}
