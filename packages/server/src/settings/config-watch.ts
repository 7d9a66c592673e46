import { EventEmitter } from 'node:events';
import { serverConfigKey } from '@clogs/etcd';
import type { Etcd3, Watcher } from 'etcd3';
import { ServerError } from '../errors.js';
import type { LiveConfig, LiveOption, LiveSettings } from '../options.js';
import { readServerConfig, showSetting } from './config-document.js';

/** What the watch pushes settings to: a running server. */
export interface ConfigTarget {
  readonly settings: Readonly<LiveSettings>;
  applyConfig(partial: LiveConfig): LiveOption[];
}

export interface ConfigWatchOptions {
  /** Opens the connection to etcd (the same members, TLS and user as the registration). */
  connect: () => Promise<Etcd3>;
  cluster: string;
  target: ConfigTarget;
  /** What the server started with (its flags and defaults): what a deleted setting goes back to. */
  base: LiveSettings;
  /** Options given on the command line, and the flag of each: etcd does not change them. */
  pinned: ReadonlyMap<LiveOption, string>;
}

/** Payload of the `applied` event: one per option that changed. */
export interface AppliedEvent {
  option: LiveOption;
  /** Before and after, as a line shows them. */
  from: string;
  to: string;
  revision: string;
}

/** Payload of the `pinned` event, told once per option: etcd sets what a flag holds. */
export interface PinnedEvent {
  option: LiveOption;
  flag: string;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;

/**
 * Follows `/clogs/<cluster>/server-config` and pushes what it asks for to the server:
 * read once, then watched from the revision read (etcd3 resumes the watch after an
 * outage from the last revision seen, so no change is missed). A put applies the
 * document's good values, a delete (or a document leaving an option out) goes back to
 * the base.
 *
 * Events: `applied` ({@link AppliedEvent}), `pinned` ({@link PinnedEvent}), `refused`
 * (a {@link ServerError} `ERR_SERVER_CONFIG`), `warning` (`ERR_SERVER_ETCD`: etcd did
 * not answer; told once until it answers again).
 */
export class ConfigWatch extends EventEmitter {
  readonly key: string;
  private etcd: Etcd3 | undefined;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private troubled = false;
  private readonly toldPinned = new Set<LiveOption>();
  private readonly pinned: ReadonlySet<LiveOption>;

  constructor(private readonly o: ConfigWatchOptions) {
    super();
    this.key = serverConfigKey(o.cluster);
    this.pinned = new Set(o.pinned.keys());
  }

  /** Starts following; resolves once the settings were read and applied, or the first read failed (a `warning`; it goes on trying). */
  async start(): Promise<void> {
    let first: () => void = () => {};
    const read = new Promise<void>((resolve) => {
      first = resolve;
    });
    this.loop = this.follow(first);
    await read;
  }

  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return this.loop.finally(() => this.etcd?.close());
  }

  private async follow(firstRead: () => void): Promise<void> {
    let waitMs = RETRY_MIN_MS;
    while (!this.closed) {
      let watcher: Watcher | undefined;
      try {
        this.etcd ??= await this.o.connect();
        const read = await this.etcd.get(this.key).exec();
        if (this.closed) return;
        this.answered();
        const kv = read.kvs[0];
        this.apply(kv?.value.toString(), kv === undefined ? read.header.revision : kv.mod_revision);
        firstRead();
        waitMs = RETRY_MIN_MS;
        const from = String(BigInt(read.header.revision) + 1n);
        const w = this.etcd.watch().key(this.key).startRevision(from).watcher();
        watcher = w;
        const ended = await this.until<string>((done) => {
          w.on('data', (res) => {
            // Only the last event of a response counts: it is what the key holds now.
            const e = res.events.at(-1);
            if (e !== undefined)
              this.apply(e.type === 'Delete' ? undefined : e.kv.value.toString(), res.header.revision);
          });
          w.on('connected', () => this.answered());
          w.on('error', (err) => done(err.message));
          w.on('end', () => done('ended'));
        });
        if (ended !== undefined) this.trouble(`the watch of ${this.key} ended (${ended}): reading it again`);
      } catch (err) {
        firstRead();
        if (this.closed) return;
        this.trouble(
          `cannot read ${this.key} from etcd (${(err as Error).message}): the server keeps its settings, trying again`,
          err,
        );
        await this.until<void>((done) => setTimeout(done, waitMs).unref());
        waitMs = Math.min(2 * waitMs, RETRY_MAX_MS);
      } finally {
        await watcher?.cancel().catch(() => {});
      }
    }
  }

  /** Pushes what the document at `revision` asks for; says what changed and what was refused. */
  private apply(text: string | undefined, revision: string): void {
    if (this.closed) return;
    const target = this.o.target;
    const before = target.settings;
    const verdict = readServerConfig(this.key, text, revision, before, this.o.base, this.pinned);
    for (const err of verdict.refused) this.emit('refused', err);
    for (const option of verdict.pinned) {
      if (this.toldPinned.has(option)) continue;
      this.toldPinned.add(option);
      this.emit('pinned', { option, flag: this.o.pinned.get(option)! } satisfies PinnedEvent);
    }
    const changed = target.applyConfig(verdict.next);
    const after = target.settings;
    for (const option of changed) {
      this.emit('applied', {
        option,
        from: showSetting(before[option]),
        to: showSetting(after[option]),
        revision,
      } satisfies AppliedEvent);
    }
  }

  private answered(): void {
    this.troubled = false;
  }

  private trouble(message: string, cause?: unknown): void {
    if (this.troubled) return;
    this.troubled = true;
    this.emit('warning', new ServerError('ERR_SERVER_ETCD', message, { cause }));
  }

  private until<T>(arm: (done: (value?: T) => void) => void): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      this.wake = () => resolve(undefined);
      arm((value) => resolve(value));
    }).finally(() => {
      this.wake = undefined;
    });
  }
}
