import type { ClientOptions, ServerInput } from '@clogs/client';
import { parseLevel } from '@clogs/protocol';
import type { CommandLine, Flags } from './command-line.js';
import type { CliConfig } from './config.js';

/** The client options of the config file and the flags that set client options. */
export type ClientBase = Omit<ClientOptions, 'servers' | 'defaults' | 'key' | 'delivery'>;

/**
 * What a run uses: the flags, with the config file's values where a flag was not given.
 * `ack` is the delivery the run starts with.
 */
export interface Settings extends Omit<Flags, 'maxDatagram'> {
  /** The client options: the config file's, with the flags' on top. */
  client: ClientBase;
}

/**
 * Flag/config precedence, all of it: a flag given on the command line wins over the
 * config file, which wins over the flags' own defaults. The servers of both are used
 * together (see {@link fleet}). `--embedded` is implied when neither names a server.
 */
export function resolveSettings({ flags, given }: CommandLine, config: CliConfig | undefined): Settings {
  const { maxDatagram, ...rest } = flags;
  const fromFile = config?.defaults ?? {};
  const field = (flag: 'sys' | 'type' | 'file' | 'level', value: string | number | undefined) =>
    value === undefined || given(flag) ? flags[flag] : String(value);
  // readConfig checked it is one of the two modes.
  const { delivery, ...client } = config?.client ?? {};
  return {
    ...rest,
    sys: field('sys', fromFile.sysId),
    type: field('type', fromFile.msgType),
    file: field('file', fromFile.fileName),
    level: field('level', fromFile.level),
    ack: given('ack') ? flags.ack : delivery === 'at-least-once',
    embedded: flags.embedded || (flags.server.length === 0 && (config?.servers ?? []).length === 0),
    client: { ...client, ...(maxDatagram === undefined ? {} : { maxDatagramBytes: maxDatagram }) },
  };
}

/** The client's options for a run's settings, its fleet and key, in the delivery mode asked. */
export function clientOptions(
  s: Settings,
  servers: ServerInput[],
  key: Buffer | undefined,
  ack: boolean,
): ClientOptions {
  return {
    ...s.client,
    servers,
    defaults: { sysId: s.sys, msgType: s.type, fileName: s.file, level: parseLevel(s.level) },
    delivery: ack ? 'at-least-once' : 'at-most-once',
    ...(key === undefined ? {} : { key }),
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
