import { EventEmitter } from 'node:events';
import {
  connectEtcd,
  type EtcdAccess,
  encodeServerRecord,
  explainEtcdError,
  parseServerRecord,
  printable,
  type ServerRecord,
  serverKey,
} from '@clogs/etcd';
import type { Etcd3, Lease } from 'etcd3';
import { ServerError } from '../errors.js';

export interface RegistrationOptions {
  /** etcd's members, TLS and user (loadEtcdAccess()). */
  access: EtcdAccess;
  cluster: string;
  /** The continuum name clients hash. */
  name: string;
  /** What clients are told: where to send, and the share of keys. */
  record: ServerRecord;
  /** The lease's time to live, s: a server that stops without revoking it leaves after this long. */
  leaseTtlSec: number;
}

/** Payload of the `registered` event. */
export interface RegisteredEvent {
  key: string;
  /** The etcd revision that wrote the key. */
  revision: string;
  /** False for the first registration; true after a lost lease (an etcd outage longer than the TTL). */
  again: boolean;
}

/** Waits between attempts while etcd does not answer: short first, at most this. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1000;

/**
 * A server's entry in the config centre: `/clogs/<cluster>/servers/<name>` = its
 * {@link ServerRecord}, put under a lease that etcd3 keeps alive (a keepalive every
 * TTL/3). The key is created only where none exists (a transaction on its create
 * revision being 0): a name held by another live server is refused, never taken over.
 * A key holding this very address is this server's own from a previous run whose
 * lease has not expired yet (a restart after a crash): that one is taken back.
 *
 * After an etcd outage longer than the lease, the lease is lost and the server
 * registers again as soon as etcd answers; meanwhile it serves as before. close()
 * revokes the lease: the key goes at once and clients remap without waiting for the TTL.
 *
 * Events: `registered` ({@link RegisteredEvent}), `warning` (a {@link ServerError}
 * `ERR_SERVER_ETCD` or `ERR_SERVER_NAME_TAKEN`; a repeat of the same trouble is not
 * reported again until it has cleared).
 */
export class Registration extends EventEmitter {
  readonly key: string;
  /** The etcd revision that wrote the key, while registered. */
  revision: string | undefined;
  private etcd: Etcd3 | undefined;
  private lease: Lease | undefined;
  private registeredOnce = false;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();
  /** Ends the loop's current wait early (close()). */
  private wake: (() => void) | undefined;
  private reported: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly o: RegistrationOptions) {
    super();
    this.key = serverKey(o.cluster, o.name);
  }

  /**
   * Registers, and keeps the registration while the server runs. Resolves once
   * registered, or once the first attempt failed for want of etcd (a `warning`; it
   * goes on trying). Rejects with `ERR_SERVER_NAME_TAKEN` when another live server holds the name.
   */
  async start(): Promise<void> {
    this.etcd = await connectEtcd(this.o.access);
    try {
      await this.attempt();
    } catch (err) {
      if ((err as ServerError).code === 'ERR_SERVER_NAME_TAKEN') {
        await this.close();
        throw err;
      }
      this.report(err as ServerError);
    }
    this.loop = this.keep();
  }

  /** Revokes the lease (the key goes at once) and closes the connection. */
  close(): Promise<void> {
    this.closing ??= this.release();
    return this.closing;
  }

  private async release(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.loop;
    const lease = this.lease;
    this.lease = undefined;
    try {
      await lease?.revoke();
    } catch (err) {
      this.emit(
        'warning',
        new ServerError(
          'ERR_SERVER_ETCD',
          `could not revoke the lease of ${this.key} (${(err as Error).message}): the key goes when the lease expires, in at most ${this.o.leaseTtlSec} s`,
          { cause: err },
        ),
      );
    }
    this.etcd?.close();
  }

  private async keep(): Promise<void> {
    let waitMs = RETRY_MIN_MS;
    while (!this.closed) {
      const lease = this.lease;
      if (lease !== undefined) {
        const lost = await this.until<Error>((done) => lease.once('lost', done));
        if (this.closed) return;
        this.lease = undefined;
        this.revision = undefined;
        this.report(
          new ServerError(
            'ERR_SERVER_ETCD',
            `lost the registration ${this.key} (${lost?.message ?? 'lease gone'}): registering again once etcd answers`,
            { cause: lost },
          ),
        );
        continue;
      }
      try {
        await this.attempt();
        waitMs = RETRY_MIN_MS;
      } catch (err) {
        this.report(err as ServerError);
        await this.until<void>((done) => setTimeout(done, waitMs).unref());
        waitMs = Math.min(2 * waitMs, RETRY_MAX_MS);
      }
    }
  }

  /** Waits for `arm`'s callback or for close(), whichever is first. */
  private until<T>(arm: (done: (value?: T) => void) => void): Promise<T | undefined> {
    return new Promise((resolve) => {
      this.wake = () => resolve(undefined);
      arm((value) => resolve(value));
    }).finally(() => {
      this.wake = undefined;
    }) as Promise<T | undefined>;
  }

  /** One registration: a new lease, then the key, created only where none is held by another. */
  private async attempt(): Promise<void> {
    const etcd = this.etcd!;
    const lease = etcd.lease(this.o.leaseTtlSec);
    lease.on('lost', () => {}); // read by keep(); a loss before then must not go unheard
    try {
      const id = await lease.grant();
      const value = encodeServerRecord(this.o.record);
      const put = () => etcd.put(this.key).value(value).lease(id);
      // Three rounds: a key that changes between our read and our write is read again.
      for (let round = 0; round < 3; round++) {
        const made = await etcd.if(this.key, 'Create', '==', 0).then(put()).else(etcd.get(this.key)).commit();
        if (made.succeeded) return this.registeredAt(lease, made.header.revision);
        const held = made.responses[0]?.response_range.kvs[0];
        if (held === undefined) continue;
        const holder = held.value.toString();
        if (!sameAddress(holder, this.o.record)) {
          throw new ServerError(
            'ERR_SERVER_NAME_TAKEN',
            `the name ${this.o.name} is held by another live server (${this.key} = ${printable(holder)}); choose another --name, or stop that server`,
          );
        }
        const taken = await etcd.if(this.key, 'Mod', '==', held.mod_revision).then(put()).commit();
        if (taken.succeeded) return this.registeredAt(lease, taken.header.revision);
      }
      throw new ServerError('ERR_SERVER_ETCD', `${this.key} kept changing while registering`);
    } catch (err) {
      await lease.revoke().catch(() => {});
      if (err instanceof ServerError) throw err;
      throw new ServerError(
        'ERR_SERVER_ETCD',
        `cannot register ${this.key} at etcd ${this.o.access.hosts.join(',')}: ${explainEtcdError(err as Error, this.o.access)}; serving without a registration, trying again`,
        { cause: err },
      );
    }
  }

  private async registeredAt(lease: Lease, revision: string): Promise<void> {
    if (this.closed) {
      // close() came while registering: nothing may be left behind.
      await lease.revoke().catch(() => {});
      return;
    }
    this.lease = lease;
    this.revision = revision;
    this.reported = undefined;
    const again = this.registeredOnce;
    this.registeredOnce = true;
    this.emit('registered', { key: this.key, revision, again } satisfies RegisteredEvent);
  }

  /** A warning, unless the same trouble was just reported. */
  private report(err: ServerError): void {
    const kind = err.code === 'ERR_SERVER_NAME_TAKEN' ? err.message : err.code;
    if (kind === this.reported) return;
    this.reported = kind;
    this.emit('warning', err);
  }
}

/** Whether a registered value names `record`'s address: then the key is this server's own. */
function sameAddress(value: string, record: ServerRecord): boolean {
  const held = parseServerRecord(value);
  return held?.host === record.host && held.port === record.port;
}
