import type { ClientOptions, DiscoveryOptions, ServerInput } from '@clogs/client';
import { type FrameKey, parseLevel } from '@clogs/protocol';
import type { CliConfig } from './config.js';
import { CliError } from './errors.js';
import { fileNameOf } from './file-name.js';
import type { CommandLine, Flags } from './flags.js';

/** The client options of the config file and the flags that set client options. */
export type ClientBase = Omit<
  ClientOptions,
  'servers' | 'discovery' | 'defaults' | 'key' | 'cipher' | 'delivery'
>;

/**
 * What a run uses: the flags, with the config file's values where a flag was not given.
 * `ack` is the delivery the run starts with.
 */
/** The flags that make the `discovery` option rather than settings of their own. */
type EtcdFlags = 'etcd' | 'cluster' | 'etcdCa' | 'etcdCert' | 'etcdKey' | 'etcdUser' | 'etcdPasswordFile';

/** The environment variable that may hold `--etcd-user`'s password instead of a file. */
export const ETCD_PASSWORD_ENV = 'CLOGS_ETCD_PASSWORD';

export interface Settings extends Omit<Flags, 'maxDatagram' | EtcdFlags | 'redact' | 'spool'> {
  /** The client options: the config file's, with the flags' on top. */
  client: ClientBase;
  /** The fleet from etcd (`--etcd`, `--cluster`, the file's `discovery`); undefined: a static list. */
  discovery: DiscoveryOptions | undefined;
}

/**
 * Flag/config precedence, all of it: a flag given on the command line wins over the
 * config file, which wins over the flags' own defaults. The servers of both are used
 * together (see {@link fleet}). `--embedded` is implied when neither names a server
 * and neither reads them from etcd.
 * @throws {CliError} `ERR_CLI_USAGE` when the servers are both named and read from etcd, or
 * for a `--cipher` without `--key-file`, or a flag of `--follow` without it.
 */
export function resolveSettings(
  line: CommandLine,
  config: CliConfig | undefined,
  env: NodeJS.ProcessEnv,
): Settings {
  const { flags, given } = line;
  const {
    maxDatagram,
    etcd: _etcd,
    cluster: _cluster,
    etcdCa: _ca,
    etcdCert: _cert,
    etcdKey: _key,
    etcdUser: _user,
    etcdPasswordFile: _passwordFile,
    redact,
    spool,
    ...rest
  } = flags;
  // The key comes from --key-file alone: a --cipher without it would seal nothing.
  if (given('cipher') && flags.keyFile === undefined) {
    throw usage('--cipher says how frames are sealed with a key: give --key-file too');
  }
  if (flags.follow.length === 0) {
    const stray = (['stateFile', 'from', 'partialTimeout'] as const).find(given);
    if (stray !== undefined) throw usage(`${flagName(stray)} is for --follow: give --follow too`);
  }
  const discovery = resolveDiscovery(line, config, env);
  const fromFile = config?.defaults ?? {};
  const field = (flag: 'sys' | 'type' | 'file' | 'level', value: string | number | undefined) =>
    value === undefined || given(flag) ? flags[flag] : String(value);
  // readConfig checked it is one of the two modes.
  const { delivery, ...client } = config?.client ?? {};
  return {
    ...rest,
    sys: field('sys', fromFile.sysId),
    type: field('type', fromFile.msgType),
    file: fileNameOf(field('file', fromFile.fileName)),
    level: field('level', fromFile.level),
    ack: given('ack') ? flags.ack : delivery === 'at-least-once',
    embedded:
      flags.embedded ||
      (flags.server.length === 0 && (config?.servers ?? []).length === 0 && discovery === undefined),
    discovery,
    client: {
      ...client,
      ...(maxDatagram === undefined ? {} : { maxDatagramBytes: maxDatagram }),
      ...(redact === undefined ? {} : { redact: { pan: redact === 'pan' } }),
      // --spool DIR wins over the file's spool folder; its other spool settings stay.
      ...(spool === undefined ? {} : { spool: { ...client.spool, dir: spool } }),
    },
  };
}

/** The client's options for a run's settings, its fleet and key, in the delivery mode asked. */
export function clientOptions(
  s: Settings,
  servers: ServerInput[],
  key: FrameKey | undefined,
  ack: boolean,
): ClientOptions {
  return {
    ...s.client,
    ...(s.discovery === undefined ? { servers } : { discovery: s.discovery }),
    defaults: { sysId: s.sys, msgType: s.type, fileName: s.file, level: parseLevel(s.level) },
    delivery: ack ? 'at-least-once' : 'at-most-once',
    // --follow moves its checkpoints with the client's marks.
    ...(s.follow.length > 0 ? { marks: true } : {}),
    ...(key === undefined ? {} : { key }),
    ...(s.cipher === undefined ? {} : { cipher: s.cipher }),
  };
}

/** The fleet: the embedded server first, then those of `-s`, then the config file's. */
export function fleet(
  s: Settings,
  embedded: string | undefined,
  config: CliConfig | undefined,
): ServerInput[] {
  return [...(embedded === undefined ? [] : [embedded]), ...s.server, ...(config?.servers ?? [])];
}

/**
 * The fleet from etcd: `--etcd`, `--cluster` and the `--etcd-*` flags each win over the
 * file's `discovery`. Servers named (`-s`, the file's `servers`, `--embedded`) and
 * servers read from etcd do not mix: one source of truth for the fleet. The password
 * comes from a file (`--etcd-password-file`, the file's `passwordFile`) or else from
 * CLOGS_ETCD_PASSWORD, never from the command line.
 */
function resolveDiscovery(
  { flags, given }: CommandLine,
  config: CliConfig | undefined,
  env: NodeJS.ProcessEnv,
): DiscoveryOptions | undefined {
  const file = config?.discovery;
  const etcd = given('etcd') ? flags.etcd : file?.etcd;
  const cluster = given('cluster') ? flags.cluster : file?.cluster;
  const pick = <K extends 'caFile' | 'certFile' | 'keyFile' | 'user' | 'passwordFile'>(
    flag: 'etcdCa' | 'etcdCert' | 'etcdKey' | 'etcdUser' | 'etcdPasswordFile',
    key: K,
  ) => (given(flag) ? flags[flag] : file?.[key]);
  const security = {
    caFile: pick('etcdCa', 'caFile'),
    certFile: pick('etcdCert', 'certFile'),
    keyFile: pick('etcdKey', 'keyFile'),
    user: pick('etcdUser', 'user'),
    passwordFile: pick('etcdPasswordFile', 'passwordFile'),
  };
  if (etcd === undefined) {
    if (cluster !== undefined) throw usage('--cluster names a cluster in etcd: give --etcd too');
    const stray = (['etcdCa', 'etcdCert', 'etcdKey', 'etcdUser', 'etcdPasswordFile'] as const).find(given);
    if (stray !== undefined) throw usage(`${flagName(stray)} is for etcd: give --etcd too`);
    return undefined;
  }
  const from = given('etcd')
    ? '--etcd reads the servers from etcd'
    : `${flags.config} reads the servers from etcd`;
  if (flags.server.length > 0) throw usage(`-s names the servers, ${from}: one or the other`);
  if ((config?.servers ?? []).length > 0) {
    throw usage(`${flags.config} names the servers (servers), ${from}: one or the other`);
  }
  if (flags.embedded) throw usage(`--embedded adds a server to a fleet named here, ${from}: not both`);
  const password =
    security.user !== undefined && security.passwordFile === undefined ? env[ETCD_PASSWORD_ENV] : undefined;
  const set = Object.entries({ ...security, password }).filter(([, v]) => v !== undefined);
  return { etcd, ...(cluster === undefined ? {} : { cluster }), ...Object.fromEntries(set) };
}

/** The command-line form of a flag's key: `etcdCa` is `--etcd-ca`. */
function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function usage(message: string): CliError {
  return new CliError('ERR_CLI_USAGE', message);
}
