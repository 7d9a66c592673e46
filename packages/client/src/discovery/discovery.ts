import { Worker } from 'node:worker_threads';
import { printable, serverKey, serversPrefix } from '@clogs/etcd';
import { ClientError } from '../errors.js';
import { parseServer, type ServerInput } from '../server-spec.js';
import type { ResolvedDiscovery } from './discovery-options.js';
import type { EtcdFleetOptions, FleetServer } from './etcd-fleet.js';
import { type LiveOptions, liveOptions, pickLive } from './live-config.js';
import type { FromFleetWorker } from './worker-messages.js';

/** How long close() waits for the worker to close its etcd connection before ending it. */
const WORKER_CLOSE_MS = 2000;

/**
 * The worker: beside the bundle in dist/ (ESM, for both builds), or, running from
 * source (the tests), the .ts file through tsx's loader.
 */
function startWorker(r: ResolvedDiscovery): Worker {
  const o: EtcdFleetOptions = { access: r.access, cluster: r.cluster };
  const here = import.meta.url;
  // No execArgv of the app's (such as --input-type, which a worker refuses): the worker needs none.
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./fleet-worker.js', here), { workerData: o, execArgv: [] });
  // From source only (this repository's tests): tsx, a dev tool of the repository, not
  // a dependency of the package; the published build never takes this path.
  const script = JSON.stringify(new URL('./fleet-worker.ts', here).href);
  const tsx = JSON.stringify('tsx/esm/api');
  const code = `import(${tsx}).then((tsx) => { tsx.register(); return import(${script}); });`;
  return new Worker(code, { eval: true, workerData: o, execArgv: ['--conditions=source'] });
}

/** What `stats().discovery` says. */
export interface DiscoveryState {
  source: 'etcd';
  etcd: string[];
  cluster: string;
  /** The etcd revision of the fleet in use (the config version); undefined before the first read. */
  revision: string | undefined;
  /** etcd answered last time it was asked; while false, the last fleet stands. */
  connected: boolean;
  /** The etcd revision of the config applied (`/clogs/<cluster>/config`); undefined while there is none. */
  configRevision: string | undefined;
}

/** Payload of the client's `config` event: `/clogs/<cluster>/config` changed and was applied. */
export interface ConfigEvent {
  revision: string;
  /** Keys applied live (those left out of the config are back to the createClient() values). */
  applied: string[];
  /** Keys the config holds that a running client does not take (a warning names them). */
  notLive: string[];
}

/** Payload of the client's `fleet` event. */
export interface FleetEvent {
  source: 'etcd';
  revision: string;
  /** The servers' names, ordered by name. */
  servers: string[];
}

/** What discovery needs of the client: its public `setServers()`, its config and its events. */
export interface FleetTarget {
  setServers(servers: readonly ServerInput[]): void;
  /** Validates live options and hands each component its new values. */
  applyConfig(options: LiveOptions): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Follows the fleet in etcd and applies it to the client through `setServers()`:
 * kept servers keep their state, new ones join once they answer a PING, those gone
 * leave and their records are re-routed. An empty fleet is not applied (a client
 * always keeps a fleet to route to); neither is anything while etcd is unreachable.
 */
export function startDiscovery(
  o: ResolvedDiscovery,
  client: FleetTarget,
  live: LiveOptions,
): { state(): DiscoveryState; close(): Promise<void> } {
  const base = pickLive(live);
  let configRevision: string | undefined;
  const configure = (text: string | undefined, revision: string) => {
    if (stopped) return;
    try {
      const next = liveOptions(base, text, revision);
      client.applyConfig(next.options);
      configRevision = text === undefined ? undefined : revision;
      if (next.notLive.length > 0) {
        const keys = next.notLive.join(', ');
        const message = `config at revision ${revision}: ${keys} cannot change while the client runs (set in createClient()): not applied`;
        client.emit('warning', new ClientError('ERR_CLIENT_DISCOVERY', message));
      }
      client.emit('config', { revision, applied: next.applied, notLive: next.notLive } satisfies ConfigEvent);
    } catch (err) {
      client.emit('warning', err);
    }
  };
  let emptyWarned = false;
  const refused = new Set<string>();
  const usable = (s: FleetServer) => {
    try {
      parseServer(s);
      refused.delete(s.name);
      return true;
    } catch (err) {
      if (!refused.has(s.name)) {
        refused.add(s.name);
        const message = `${printable(serverKey(o.cluster, s.name))}: ${(err as Error).message}: left out`;
        client.emit('warning', new ClientError('ERR_CLIENT_DISCOVERY', message, { cause: err }));
      }
      return false;
    }
  };
  let stopped = false;
  const apply = (all: FleetServer[], revision: string) => {
    if (stopped) return;
    const servers = all.filter(usable);
    if (servers.length === 0) {
      if (!emptyWarned) {
        emptyWarned = true;
        client.emit(
          'warning',
          new ClientError(
            'ERR_CLIENT_DISCOVERY',
            `no server is registered in ${serversPrefix(o.cluster)} (revision ${revision}): keeping the fleet as it was`,
          ),
        );
      }
      return;
    }
    emptyWarned = false;
    client.setServers(servers);
    client.emit('fleet', {
      source: 'etcd',
      revision,
      servers: servers.map((s) => s.name),
    } satisfies FleetEvent);
  };
  let revision: string | undefined;
  let connected = false;
  const worker = startWorker(o);
  worker.on('message', (m: FromFleetWorker) => {
    if (m.type === 'fleet') {
      revision = m.update.revision;
      connected = true;
      apply(m.update.servers, m.update.revision);
    } else if (m.type === 'config') {
      configure(m.text, m.revision);
    } else if (m.type === 'state') {
      connected = m.connected;
    } else {
      const cause = m.cause === undefined ? undefined : new Error(m.cause);
      client.emit('warning', new ClientError('ERR_CLIENT_DISCOVERY', m.message, { cause }));
    }
  });
  worker.on('error', (err) => {
    client.emit(
      'warning',
      new ClientError('ERR_CLIENT_DISCOVERY', `discovery stopped: ${err.message}`, { cause: err }),
    );
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // An idle client never holds its process; the worker's gRPC stream must not either.
  // (After the listeners: adding a 'message' listener refs the worker's port again.)
  worker.unref();
  let closing: Promise<void> | undefined;
  return {
    state: () => ({ source: 'etcd', etcd: o.etcd, cluster: o.cluster, revision, connected, configRevision }),
    close() {
      stopped = true;
      closing ??= (async () => {
        worker.postMessage({ type: 'close' });
        const timer = setTimeout(() => void worker.terminate(), WORKER_CLOSE_MS).unref();
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
