import type { EtcdAccess } from '@clogs/etcd';

/** A server as registered: `/clogs/<cluster>/servers/<name>` = `{ host, port, weight }`. */
export interface FleetServer {
  name: string;
  host: string;
  port: number;
  weight: number;
}

/** The fleet at one etcd revision (the config version), servers ordered by name. */
export interface FleetUpdate {
  servers: FleetServer[];
  revision: string;
}

export interface EtcdFleetOptions {
  /** etcd's members, TLS and user (loadEtcdAccess()). */
  access: EtcdAccess;
  cluster: string;
}

export interface EtcdFleetEvents {
  /** The fleet as etcd has it now: after the first read, after each change, after a re-read. */
  fleet(update: FleetUpdate): void;
  /**
   * `/clogs/<cluster>/config` as etcd has it now (its text; undefined when there is
   * none): after the first read where there is one, and after each change.
   */
  config(text: string | undefined, revision: string): void;
  /** Trouble (the client reports it as `ERR_CLIENT_DISCOVERY`): said once until it clears. */
  warning(message: string, cause?: Error): void;
  /**
   * etcd became unreachable (false), or answers again (true: the watch goes on from the
   * revision it had, or a fresh read follows).
   */
  connection(connected: boolean, revision: string | undefined): void;
}
