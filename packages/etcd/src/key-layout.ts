/*
 * The config centre's layout in etcd: the contract between clogs-server, which
 * registers, and @clogs/client, which follows.
 *   /clogs/<cluster>/servers/<name>  JSON { "host", "port", "weight" }, under the server's lease
 *   /clogs/<cluster>/config          JSON client settings (written by operators, optional)
 *   /clogs/<cluster>/server-config   JSON server settings that apply live (operators, optional)
 *   /clogs/<cluster>/server-config/<sys_id>  JSON settings for one sub-system's records (optional)
 */

/** Everything of one cluster: its registrations and its config (one watch covers both). */
export function clusterPrefix(cluster: string): string {
  return `/clogs/${cluster}/`;
}

/** The prefix of a cluster's registrations; a server's name follows it. */
export function serversPrefix(cluster: string): string {
  return `${clusterPrefix(cluster)}servers/`;
}

export function serverKey(cluster: string, name: string): string {
  return `${serversPrefix(cluster)}${name}`;
}

/** Where operators put a cluster's live client settings. */
export function configKey(cluster: string): string {
  return `${clusterPrefix(cluster)}config`;
}

/** Where operators put the live settings of a cluster's servers. */
export function serverConfigKey(cluster: string): string {
  return `${clusterPrefix(cluster)}server-config`;
}

/** Where operators put the live settings of one sub-system's records (`sysId` as records carry it). */
export function sysConfigKey(cluster: string, sysId: string): string {
  return `${serverConfigKey(cluster)}/${sysId}`;
}

/** What a server registers: where clients send, and its share of the continuum. */
export interface ServerRecord {
  host: string;
  port: number;
  weight: number;
}

/**
 * The largest weight a registration may carry. A weight is a share of the continuum
 * relative to the others (160 points per unit): a bound keeps one registration from
 * taking nearly every key, and the continuum's size bounded.
 */
export const MAX_WEIGHT = 1000;

/**
 * A registered name: 1-255 of letters, digits and `_ . - : [ ]` (so `host:port` and
 * `[v6]:port`, the default names, fit). It is a path segment of the key and is printed
 * in warnings and shells: no spaces, no `/`, no control bytes.
 */
export const SERVER_NAME = /^[A-Za-z0-9_.:[\]-]{1,255}$/;

/** A registered host: an IPv4 or IPv6 address, or a DNS name (letters, digits, `.`, `-`; up to 253). */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:.]{2,45})$/;

export function encodeServerRecord(record: ServerRecord): string {
  return JSON.stringify({ host: record.host, port: record.port, weight: record.weight });
}

/**
 * Why a registration (`name` under `servers/`, and its value `text`) is not one to
 * use, or undefined when it is: the name within {@link SERVER_NAME}, the value JSON
 * with a host ({@link HOST}'s charset), a port 1..65535 and a weight 1..{@link MAX_WEIGHT}.
 * The server checks what it writes with this, the client what it reads.
 */
export function registrationProblem(name: string, record: Partial<ServerRecord>): string | undefined {
  if (!SERVER_NAME.test(name)) return 'the name is not 1-255 of [A-Za-z0-9_.:[]-]';
  const { host, port, weight } = record;
  if (typeof host !== 'string' || !HOST.test(host)) return 'host is not an IP address or a DNS name';
  if (!Number.isInteger(port) || port! < 1 || port! > 65_535) return 'port is not 1..65535';
  if (!Number.isInteger(weight) || weight! < 1 || weight! > MAX_WEIGHT)
    return `weight is not 1..${MAX_WEIGHT}`;
  return undefined;
}

/**
 * A registered value read back: undefined unless it is JSON with a non-empty `host` and
 * integer `port` and `weight` (`weight` may be left out: 1). The ranges are
 * {@link registrationProblem}'s to check.
 */
export function parseServerRecord(text: string): ServerRecord | undefined {
  let value: Partial<ServerRecord> | undefined;
  try {
    value = JSON.parse(text) as Partial<ServerRecord> | undefined;
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { host, port, weight = 1 } = value;
  if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || !Number.isInteger(weight))
    return undefined;
  return { host, port: port!, weight };
}
