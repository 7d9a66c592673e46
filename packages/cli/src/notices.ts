import type { ClogsClient, ConfigEvent, DownEvent, FleetEvent, ServerState } from '@clogs/client';
import type { Colors } from './colours.js';
import { safeText } from './safe-text.js';

/** Down reasons of a server that answers pings, as the end of a run says them. */
const OUT_REASONS: Partial<Record<string, string>> = {
  'cannot-write': 'it answers, but says it cannot write: records go to the other servers, or wait for one',
  version: 'it speaks only wire version 1: upgrade clogs-server; nothing was sent to it',
};

/**
 * What clogs-cli tells the person watching: on stderr, or above the shell's prompt
 * while it runs; nothing with `--quiet`.
 */
export class Notices {
  private above: ((line: string) => void) | undefined;
  /** The last warning, when it was said, and how many like it were not repeated since. */
  private last = { message: '', at: 0, repeats: 0 };
  /** Servers just said down for `no-ack`: the client's warning of that verdict repeats it. */
  private noAckSaid = new Set<string>();
  /** Servers said down and not since up. */
  private saidDown = new Set<string>();

  /**
   * `chatty` false (one-shot, silent when its record went, as logger(1)): servers coming
   * up and the fleet and config etcd gives are not said; trouble still is.
   */
  constructor(
    private readonly stderr: NodeJS.WritableStream,
    private readonly quiet: boolean,
    readonly colors: Colors,
    private readonly chatty = true,
  ) {}

  readonly say = (line: string): void => {
    if (this.quiet) return;
    if (this.above === undefined) this.stderr.write(`${line}\n`);
    else this.above(line);
  };

  /** Notices go above the shell's prompt through `print` (undefined: back to stderr). */
  printAbove(print: ((line: string) => void) | undefined): void {
    this.above = print;
  }

  /** Says what the client reports: servers up and down, warnings, the fleet and config etcd gives. */
  watch(client: ClogsClient): void {
    const c = this.colors;
    client.on('warning', (err: Error) => this.warn(err));
    client.on('down', ({ server, reason, message }: DownEvent) => {
      if (reason === 'no-ack') this.noAckSaid.add(`${server} ${message}`);
      this.saidDown.add(server);
      this.say(`${c.yellow('clogs-cli:')} server ${safeText(server)} down (${reason}): ${safeText(message)}`);
    });
    client.on('up', ({ server }) => {
      this.saidDown.delete(server);
      if (this.chatty) this.say(`clogs-cli: server ${safeText(server)} up`);
    });
    let before: string[] | undefined;
    client.on('fleet', ({ revision, servers }: FleetEvent) => {
      if (!this.chatty) return;
      const cluster = client.stats().discovery?.cluster;
      const joined = before === undefined ? [] : servers.filter((s) => !before!.includes(s));
      const left = before === undefined ? [] : before.filter((s) => !servers.includes(s));
      const change = [...joined.map((s) => `+${s}`), ...left.map((s) => `-${s}`)];
      before = servers;
      this.say(
        safeText(
          `clogs-cli: fleet from etcd ${cluster} rev ${revision}: ${servers.join(' ')}` +
            (change.length === 0 ? '' : ` (${change.join(' ')})`),
        ),
      );
    });
    client.on('config', ({ revision, applied }: ConfigEvent) => {
      if (!this.chatty) return;
      const cluster = client.stats().discovery?.cluster;
      this.say(
        safeText(
          `clogs-cli: config from etcd ${cluster} rev ${revision}: ` +
            (applied.length === 0 ? 'none, the options given apply' : `${applied.join(', ')} applied`),
        ),
      );
    });
  }

  /**
   * Records were left undelivered: names each server never heard from that no notice
   * named: one of the start list when the flush ended before the ping verdict (3
   * pings), or one etcd's fleet added, which is down until it answers (no verdict).
   * `timeoutMs`: how long the flush had; undefined when a second signal gave it up.
   */
  explainUndelivered(servers: readonly ServerState[], timeoutMs: number | undefined): void {
    const within =
      timeoutMs === undefined ? 'before the flush was given up' : `within --timeout ${timeoutMs} ms`;
    const said = this.colors.yellow('clogs-cli:');
    for (const s of servers) {
      // Answering, yet out: said again at the end, where a script's log shows why it failed.
      const why = s.downReason === undefined ? undefined : OUT_REASONS[s.downReason];
      if (s.state === 'down' && why !== undefined)
        this.say(`${said} server ${safeText(s.name)} down (${s.downReason}): ${why}`);
      else if (s.state !== 'up' && s.rttMs === undefined && !this.saidDown.has(s.name))
        this.say(`${said} server ${safeText(s.name)} answered no ping ${within}: nothing was sent to it`);
    }
  }

  /**
   * A dead server fails every send to it until it is taken out: each warning is said
   * once a second, with how many like it were not repeated.
   */
  private warn(err: Error & { code?: string; detail?: string }): void {
    if (err.code === 'ERR_CLIENT_NO_ACK' && this.noAckSaid.delete(err.detail ?? '')) return;
    const now = Date.now();
    const last = this.last;
    if (err.message === last.message && now - last.at < 1000) {
      last.repeats++;
      return;
    }
    const more = last.repeats > 0 ? ` (and ${last.repeats} more like the last)` : '';
    this.last = { message: err.message, at: now, repeats: 0 };
    this.say(`${this.colors.yellow('clogs-cli:')} ${safeText(err.message)}${more}`);
  }
}
