import { EventEmitter } from 'node:events';
import { serverConfigKey } from '@clogs/etcd';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import { ServerError } from '../errors.js';
import { type LiveConfig, type LiveOption, type LiveSettings, SYS_OPTIONS } from '../live-options.js';
import { type ConfigDocument, readServerConfig, showSetting } from './config-document.js';

/** What the watch pushes settings to: a running server. */
export interface ConfigTarget {
  readonly settings: Readonly<LiveSettings>;
  applyConfig(partial: LiveConfig): (LiveOption | 'sys')[];
}

export interface ConfigWatchOptions {
  /** Opens the connection to etcd (the same members, TLS and user as the registration). */
  connect: () => Promise<Etcd3>;
  /** Says what an etcd error means (a refused certificate, a wrong password...). Default: its message. */
  explain?: ((err: Error) => string) | undefined;
  cluster: string;
  target: ConfigTarget;
  /** What the server started with (its flags and defaults): what a deleted setting goes back to. */
  base: LiveSettings;
  /** Options given on the command line, and the flag of each: etcd does not change them. */
  pinned: ReadonlyMap<LiveOption, string>;
}

/** Payload of the `applied` event: one per option that changed. */
export interface AppliedEvent {
  /** The document it came from: the server-config key, or a sub-system's under it. */
  key: string;
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
 * Follows `/clogs/<cluster>/server-config` and the sub-systems' documents under it
 * (`server-config/<sys_id>`) and pushes what they ask for to the server:
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
  private cluster: ConfigDocument | undefined;
  private readonly sys = new Map<string, ConfigDocument>();
  /** What the last apply refused: the same refusal is not told again for another document's change. */
  private refusedBefore = new Set<string>();

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
        const read = await this.etcd.getAll().prefix(this.key).exec();
        if (this.closed) return;
        this.answered();
        this.cluster = undefined;
        this.sys.clear();
        for (const kv of read.kvs) this.take(kv, false);
        this.apply(read.header.revision);
        firstRead();
        waitMs = RETRY_MIN_MS;
        const from = String(BigInt(read.header.revision) + 1n);
        const w = this.etcd.watch().prefix(this.key).startRevision(from).watcher();
        watcher = w;
        const ended = await this.until<string>((done) => {
          w.on('data', (res) => {
            let mine = false;
            for (const e of res.events) mine = this.take(e.kv, e.type === 'Delete') || mine;
            if (mine) this.apply(res.header.revision);
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
          `cannot read ${this.key} from etcd (${this.o.explain?.(err as Error) ?? (err as Error).message}): the server keeps its settings, trying again`,
          err,
        );
        await this.until<void>((done) => setTimeout(done, waitMs).unref());
        waitMs = Math.min(2 * waitMs, RETRY_MAX_MS);
      } finally {
        await watcher?.cancel().catch(() => {});
      }
    }
  }

  /** Takes a key's new value (or its deletion); false for a key that is not a document (`server-configX`). */
  private take(kv: IKeyValue, deleted: boolean): boolean {
    const key = kv.key.toString();
    const doc = { key, text: kv.value.toString(), revision: kv.mod_revision };
    if (key === this.key) {
      this.cluster = deleted ? undefined : doc;
      return true;
    }
    if (!key.startsWith(`${this.key}/`)) return false;
    const sysId = key.slice(this.key.length + 1);
    if (deleted) this.sys.delete(sysId);
    else this.sys.set(sysId, doc);
    return true;
  }

  /** Pushes what the documents ask for at `revision`; says what changed and what was refused. */
  private apply(revision: string): void {
    if (this.closed) return;
    const target = this.o.target;
    const before = target.settings;
    const verdict = readServerConfig(this.cluster, this.sys, before, this.o.base, this.pinned);
    const told = new Set<string>();
    for (const err of verdict.refused) {
      told.add(err.message);
      if (!this.refusedBefore.has(err.message)) this.emit('refused', err);
    }
    this.refusedBefore = told;
    for (const option of verdict.pinned) {
      if (this.toldPinned.has(option)) continue;
      this.toldPinned.add(option);
      this.emit('pinned', { option, flag: this.o.pinned.get(option)! } satisfies PinnedEvent);
    }
    const changed = target.applyConfig(verdict.next);
    const after = target.settings;
    for (const option of changed) {
      if (option === 'sys') continue;
      this.emit('applied', {
        key: this.key,
        option,
        from: showSetting(before[option]),
        to: showSetting(after[option]),
        revision,
      } satisfies AppliedEvent);
    }
    if (!changed.includes('sys')) return;
    for (const sysId of new Set([...before.sys.keys(), ...after.sys.keys()])) {
      const was = before.sys.get(sysId) ?? {};
      const now = after.sys.get(sysId) ?? {};
      for (const option of SYS_OPTIONS) {
        if (was[option] === now[option]) continue;
        this.emit('applied', {
          key: `${this.key}/${sysId}`,
          option,
          from: showSetting(was[option]),
          to: showSetting(now[option]),
          revision,
        } satisfies AppliedEvent);
      }
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
