import { EventEmitter } from 'node:events';
import {
  type ClientStats,
  type ClogsClient,
  createClient,
  type DropReason,
  type LogOptions,
  type MarkSettled,
  type ServerInput,
} from '@clogs/client';
import type { FrameKey } from '@clogs/protocol';
import type { ClogsServer } from 'clogs-server';
import { type CliConfig, readConfig } from './config.js';
import { drainEmbedded, type Embedded, startEmbedded } from './embedded.js';
import type { Notices } from './notices.js';
import { safeText } from './safe-text.js';
import { clientOptions, fleet, type Settings } from './settings.js';

export interface SessionOptions {
  settings: Settings;
  /** The config file as read at start (undefined without `--config`). */
  config: CliConfig | undefined;
  key: FrameKey | undefined;
  notices: Notices;
  /** SIGHUP comes from here (the process, or a test's emitter). */
  signals: NodeJS.EventEmitter;
}

/**
 * A run's hold on the fleet: the client, and the embedded server when there is one.
 * The shell and pipe mode talk to the session, never to a client: it alone makes the
 * client, swaps it for one in the other delivery mode (`.ack`), re-reads the config
 * (`.reload`, SIGHUP), and closes the client and then the server. Emits `drain`,
 * `down` and `up` when its client does.
 */
export class Session extends EventEmitter {
  private client: ClogsClient;
  private delivery: boolean;
  /** The fleet as last read: a client made by `.ack` takes the servers a reload named. */
  private servers: ServerInput[];
  /** What the clients `.ack` closed did: the session's counts go on across the swap. */
  private readonly before = { counts: noCounts(), undelivered: 0 };
  private closing: Promise<{ undelivered: number }> | undefined;
  /** A second stop signal gave up the flush. */
  givenUp = false;
  private readonly onDrain = () => this.emit('drain');
  private readonly onDown = (e: unknown) => this.emit('down', e);
  private readonly onUp = (e: unknown) => this.emit('up', e);
  private readonly onHup = () => void this.reload();

  /**
   * Starts the embedded server if the settings ask for one, then the client.
   * @throws {ClientError} when the client refuses its options (the server is closed first).
   */
  static async open(o: SessionOptions): Promise<Session> {
    let embedded: Embedded | undefined;
    if (o.settings.embedded) {
      embedded = await startEmbedded(o.settings.dataDir, o.key, o.settings.cipher);
      o.notices.say(
        `clogs-cli: embedded clogs-server on udp://127.0.0.1:${embedded.server.address.port}, writing to ${embedded.dataDir}`,
      );
    }
    try {
      return new Session(o, embedded);
    } catch (err) {
      await embedded?.server.close();
      throw err;
    }
  }

  private constructor(
    private readonly o: SessionOptions,
    private readonly embedded: Embedded | undefined,
  ) {
    super();
    this.delivery = o.settings.ack;
    this.servers = fleet(o.settings, embedded?.spec, o.config);
    this.client = this.makeClient(o.settings.ack);
    o.signals.on('SIGHUP', this.onHup);
  }

  /** The embedded server (`--embedded`), read by `--metrics`; undefined when there is none. */
  get embeddedServer(): ClogsServer | undefined {
    return this.embedded?.server;
  }

  /** At-least-once delivery (`--ack`, or `.ack on`). */
  get ack(): boolean {
    return this.delivery;
  }

  /** One record; the client's `log()`. */
  log(msg: string | Uint8Array, options?: LogOptions): boolean {
    return this.client.log(msg, options);
  }

  /** A mark after the records logged so far (the client's `mark()`; --follow's clients have marks). */
  mark(): Promise<MarkSettled> {
    return this.client.mark();
  }

  /** The client's stats, its counts added to those of the clients `.ack` replaced. */
  stats(): ClientStats {
    const now = this.client.stats();
    const b = this.before.counts;
    const dropped = { ...now.dropped };
    for (const reason of Object.keys(dropped) as DropReason[]) dropped[reason] += b.dropped[reason] ?? 0;
    return {
      ...now,
      accepted: now.accepted + b.accepted,
      sent: now.sent + b.sent,
      acked: now.acked + b.acked,
      refused: now.refused + b.refused,
      rerouted: now.rerouted + b.rerouted,
      dropped,
    };
  }

  /** The server a route key goes to now, or undefined when none is up. */
  route(key: string): string | undefined {
    return this.client.route(key);
  }

  flush(options: { timeoutMs: number }): Promise<boolean> {
    return this.client.flush(options);
  }

  /**
   * `.ack on|off`: a client in the other delivery mode takes over once the old one is
   * closed (within `--timeout`); the session's counts carry on, the old client's
   * undelivered records included.
   */
  async setAck(on: boolean): Promise<void> {
    const next = this.makeClient(on);
    const old = this.client;
    old.off('drain', this.onDrain);
    old.off('down', this.onDown);
    old.off('up', this.onUp);
    const { undelivered } = await old.close({ timeoutMs: this.o.settings.timeout });
    this.before.counts = this.stats();
    this.before.undelivered += undelivered;
    this.client = next;
    this.delivery = on;
    if (undelivered > 0) {
      this.o.notices.say(`clogs-cli: ${undelivered} records undelivered when the delivery mode changed`);
    }
  }

  /**
   * `.reload` and SIGHUP: re-reads the config file's servers; the continuum is rebuilt.
   * With the fleet from etcd there is nothing to re-read: etcd's changes apply as they come.
   */
  async reload(): Promise<void> {
    const { settings, notices } = this.o;
    if (settings.config === undefined) return notices.say('clogs-cli: nothing to reload (no --config)');
    const etcd = this.client.stats().discovery;
    if (etcd !== undefined) {
      // The fleet is etcd's to change; so are the options a running client takes live.
      return notices.say(
        `clogs-cli: the fleet follows etcd (cluster ${etcd.cluster}): nothing to reload; ` +
          `live options go in /clogs/${etcd.cluster}/config`,
      );
    }
    try {
      const next = await readConfig(settings.config);
      const servers = fleet(settings, this.embedded?.spec, next);
      this.client.setServers(servers);
      this.servers = servers;
      // The client takes a new fleet live; its options and the records' defaults are
      // fixed when it is made: a change to them is said, not silently dropped.
      const fixed = (['defaults', 'client'] as const).filter(
        (key) => JSON.stringify(next[key]) !== JSON.stringify(this.o.config?.[key]),
      );
      const count = `${servers.length} ${servers.length === 1 ? 'server' : 'servers'}`;
      const later =
        fixed.length === 0
          ? ''
          : `; ${fixed.join(' and ')} changed in the file: not applied until clogs-cli starts again`;
      notices.say(`clogs-cli: reloaded ${settings.config}: ${count}${later}`);
    } catch (err) {
      notices.say(`clogs-cli: reload failed, servers unchanged: ${safeText((err as Error).message)}`);
    }
  }

  /** A second stop signal: the flush under way gives up now (what is left is undelivered). */
  giveUp(): void {
    this.givenUp = true;
    void this.client.close({ timeoutMs: 0 });
  }

  /**
   * Closes the client within `timeoutMs` (with ack: waits for the ACKs), then the
   * embedded server once it has taken what was sent to it. Calling it again returns
   * the first call's promise.
   */
  close(timeoutMs = this.o.settings.timeout): Promise<{ undelivered: number }> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<{ undelivered: number }> {
    this.o.signals.off('SIGHUP', this.onHup);
    const { undelivered } = await this.client.close({ timeoutMs: this.givenUp ? 0 : timeoutMs });
    const embedded = this.embedded;
    if (embedded !== undefined) {
      const sent = this.client.stats().servers.find((s) => s.name === 'embedded')?.framesSent ?? 0;
      await drainEmbedded(embedded, sent, this.o.settings.timeout);
      await embedded.server.close();
    }
    return { undelivered: undelivered + this.before.undelivered };
  }

  private makeClient(ack: boolean): ClogsClient {
    const { settings, key, notices } = this.o;
    const client = createClient(clientOptions(settings, this.servers, key, ack));
    notices.watch(client);
    client.on('drain', this.onDrain);
    client.on('down', this.onDown);
    client.on('up', this.onUp);
    return client;
  }
}

type Counts = Pick<ClientStats, 'accepted' | 'sent' | 'acked' | 'refused' | 'rerouted' | 'dropped'>;

function noCounts(): Counts {
  return { accepted: 0, sent: 0, acked: 0, refused: 0, rerouted: 0, dropped: {} as ClientStats['dropped'] };
}
