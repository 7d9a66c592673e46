import {
  clusterPrefix,
  configKey,
  connectEtcd,
  ETCD_CALL_MS,
  explainEtcdError,
  parseServerRecord,
  printable,
  registrationProblem,
  serversPrefix,
} from '@clogs/etcd';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';

import type { EtcdFleetEvents, EtcdFleetOptions, FleetServer } from './fleet-types.js';

export type { EtcdFleetEvents, EtcdFleetOptions, FleetServer, FleetUpdate } from './fleet-types.js';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;

/**
 * Follows a cluster's fleet in etcd: reads the prefix `/clogs/<cluster>/` (its
 * `servers/` and its `config`), then watches it from the revision read, and reports
 * the whole fleet after every change to it with the revision it is at, and the config
 * after every change to that. When etcd becomes unreachable the last fleet
 * stands (nothing is reported but one warning); etcd3 resumes the watch from the
 * last revision seen once etcd answers, so no change is missed. A watch etcd cancels
 * (its revision compacted away) starts over with a fresh read.
 */
export class EtcdFleet {
  /** The revision of the last fleet reported. */
  revision: string | undefined;
  /** etcd answered last time it was asked. */
  connected = false;
  private etcd: Etcd3 | undefined;
  private readonly servers = new Map<string, FleetServer>();
  private readonly prefix: string;
  private readonly clusterPrefix: string;
  private readonly configKey: string;
  private configText: string | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private reported: string | undefined;
  private closing: Promise<void> | undefined;
  /** The watch dropped; unless it reconnects first, this reports etcd unreachable. */
  private suspect: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: EtcdFleetOptions,
    private readonly on: EtcdFleetEvents,
  ) {
    this.prefix = serversPrefix(o.cluster);
    this.clusterPrefix = clusterPrefix(o.cluster);
    this.configKey = configKey(o.cluster);
  }

  start(): void {
    this.loop = this.follow();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearTimeout(this.suspect);
      this.wake?.();
      await this.loop;
      this.etcd?.close();
    })();
    return this.closing;
  }

  private async follow(): Promise<void> {
    let waitMs = RETRY_MIN_MS;
    while (!this.closed) {
      let watcher: Watcher | undefined;
      try {
        this.etcd ??= await connectEtcd(this.o.access);
        const read = await this.etcd.getAll().prefix(this.clusterPrefix).exec();
        if (this.closed) return;
        this.servers.clear();
        let config: string | undefined;
        for (const kv of read.kvs) {
          if (kv.key.toString() === this.configKey) config = kv.value.toString();
          else if (this.isServer(kv)) this.put(kv);
        }
        this.answered();
        this.publish(read.header.revision);
        if (config !== this.configText) this.publishConfig(config, read.header.revision);
        waitMs = RETRY_MIN_MS;
        const from = String(BigInt(read.header.revision) + 1n);
        watcher = this.etcd.watch().prefix(this.clusterPrefix).startRevision(from).watcher();
        const ended = await this.watch(watcher);
        if (ended !== undefined)
          this.report('watch', `the watch of ${this.prefix} ended (${ended}): reading the fleet again`);
      } catch (err) {
        this.unreachable(err as Error);
        await this.until((done) => setTimeout(done, waitMs).unref());
        waitMs = Math.min(2 * waitMs, RETRY_MAX_MS);
      } finally {
        await watcher?.cancel().catch(() => {});
      }
    }
  }

  /** Applies the watch's changes until it fails for good or close(); resolves with why it ended. */
  private watch(watcher: Watcher): Promise<string | undefined> {
    watcher.on('data', (res) => {
      let fleet = false;
      let config: string | undefined | null = null;
      for (const e of res.events) {
        if (e.kv.key.toString() === this.configKey) {
          config = e.type === 'Delete' ? undefined : e.kv.value.toString();
        } else if (this.isServer(e.kv)) {
          fleet = true;
          if (e.type === 'Delete') this.servers.delete(this.nameOf(e.kv));
          else this.put(e.kv);
        }
      }
      if (fleet) this.publish(res.header.revision);
      if (config !== null && config !== this.configText) this.publishConfig(config, res.header.revision);
    });
    // A watch stream that drops is moved to another member (etcd3 tries each): one dead
    // member of several is no outage. Unreachable is when none answered within a call's time.
    watcher.on('disconnected', (err) => {
      this.suspect ??= setTimeout(() => {
        this.suspect = undefined;
        this.unreachable(err);
      }, ETCD_CALL_MS).unref();
    });
    watcher.on('connected', () => this.answered());
    return this.until((done) => {
      watcher.on('error', (err) => done(err.message));
      watcher.on('end', () => done('ended'));
    });
  }

  /** Waits for `arm`'s callback or for close(), whichever is first. */
  private until<T>(arm: (done: (value?: T) => void) => void): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      this.wake = () => resolve(undefined);
      arm((value) => resolve(value));
    }).finally(() => {
      this.wake = undefined;
    });
  }

  private isServer(kv: IKeyValue): boolean {
    return kv.key.toString().startsWith(this.prefix);
  }

  private publishConfig(text: string | undefined, revision: string): void {
    if (this.closed) return;
    this.configText = text;
    this.on.config(text, revision);
  }

  private nameOf(kv: IKeyValue): string {
    return kv.key.toString().slice(this.prefix.length);
  }

  /**
   * Takes one registration; one that does not parse or breaks the rules of
   * registrationProblem() (a weight past the bound, a name outside the charset) is
   * left out, and said once, its key and value made safe for a terminal.
   */
  private put(kv: IKeyValue): void {
    const name = this.nameOf(kv);
    const text = kv.value.toString();
    const record = parseServerRecord(text);
    const problem =
      record === undefined ? 'not { "host", "port", "weight" }' : registrationProblem(name, record);
    if (problem !== undefined) {
      this.servers.delete(name);
      this.report(
        `bad:${name}:${text}`,
        `ignored the registration ${printable(this.prefix + name)} = ${printable(text)}: ${problem}`,
      );
      return;
    }
    this.servers.set(name, { name, ...record! });
  }

  private publish(revision: string): void {
    if (this.closed) return;
    this.revision = revision;
    const servers = [...this.servers.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    this.on.fleet({ servers, revision });
  }

  /** etcd answered. */
  private answered(): void {
    clearTimeout(this.suspect);
    this.suspect = undefined;
    if (this.reported === 'unreachable') this.reported = undefined;
    if (this.connected) return;
    this.connected = true;
    this.on.connection(true, this.revision);
  }

  private unreachable(err: Error): void {
    if (this.closed) return;
    if (this.connected) {
      this.connected = false;
      this.on.connection(false, this.revision);
    }
    const fleet =
      this.revision === undefined
        ? 'no fleet yet: records wait for one'
        : `keeping the last fleet (${this.servers.size} ${this.servers.size === 1 ? 'server' : 'servers'}, revision ${this.revision}), routing and probing as before`;
    this.report(
      'unreachable',
      `etcd at ${this.o.access.hosts.join(',')} is unreachable (${explainEtcdError(err, this.o.access)}): ${fleet}`,
      err,
    );
  }

  /** A warning, unless the same trouble is the last one reported. */
  private report(kind: string, message: string, cause?: Error): void {
    if (kind === this.reported) return;
    this.reported = kind;
    this.on.warning(message, cause);
  }
}
