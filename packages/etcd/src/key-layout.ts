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

export function encodeServerRecord(record: ServerRecord): string {
  return JSON.stringify({ host: record.host, port: record.port, weight: record.weight });
}

/**
 * A registered value read back: undefined unless it is JSON with a non-empty `host` and
 * integer `port` and `weight` (`weight` may be left out: 1). Ranges are the reader's to
 * check, with its own rules for a server spec.
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
