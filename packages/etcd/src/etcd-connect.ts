import { createRequire } from 'node:module';
import type { Etcd3, IOptions } from 'etcd3';
import type { EtcdAccess } from './etcd-access.js';
import { EtcdError } from './etcd-error.js';

/** A unary call (a read, grant, put, txn, revoke) that takes longer fails, and is tried again by its caller. */
export const ETCD_CALL_MS = 2000;

type Etcd3Module = typeof import('etcd3');
type FaultHandling = NonNullable<IOptions['faultHandling']>;
type Policy = NonNullable<FaultHandling['global']>;

/** What is used of cockatiel, typed by what etcd3's options take (cockatiel is etcd3's, not ours). */
interface CockatielModule {
  noop: Policy;
  handleWhen(filter: (err: Error) => boolean): unknown;
  retry(handler: unknown, options: { maxAttempts: number }): Policy;
  ExponentialBackoff: new (options: {
    initialDelay: number;
    maxDelay: number;
  }) => { next(): NonNullable<FaultHandling['watchBackoff']> };
}

/** What to install for etcd support, as the error says it. */
export const ETCD_INSTALL_HINT = 'npm i etcd3';

function notInstalled(what: string, cause: unknown): EtcdError {
  return new EtcdError(
    'ERR_ETCD_NOT_INSTALLED',
    `${what} needs the etcd3 package, an optional peer dependency that is not installed: ${ETCD_INSTALL_HINT}`,
    { cause },
  );
}

let resolved: string | undefined;

/**
 * Where etcd3 is, resolved from this package (or the bundle carrying it).
 * @throws {EtcdError} `ERR_ETCD_NOT_INSTALLED` when it is not installed; `what` names the feature.
 */
export function etcd3Path(what = 'etcd support'): string {
  if (resolved !== undefined) return resolved;
  try {
    resolved = createRequire(import.meta.url).resolve('etcd3');
  } catch (err) {
    throw notInstalled(what, err);
  }
  return resolved;
}

/**
 * etcd3, and cockatiel as etcd3 itself resolves it (etcd3's dependency, so an app
 * that installed etcd3 has it, and the policies are of the very module etcd3 checks).
 * Loaded here, on first use: a client without `discovery`, or a server run without
 * `--etcd`, never loads them, and an install without them works.
 */
function loadEtcd3(): { etcd3: Etcd3Module; cockatiel: CockatielModule } {
  const path = etcd3Path();
  const load = createRequire(path);
  return { etcd3: load(path) as Etcd3Module, cockatiel: load('cockatiel') as CockatielModule };
}

/**
 * An etcd client for `access` ({@link loadEtcdAccess}'s checked members, TLS and
 * user). The fault handling is tuned for a config centre that comes back: no circuit
 * breaker (etcd3's default keeps a member shut out for 5 s after it fails thrice,
 * delaying the resumed watch or the re-registration after an outage), a failed call
 * tried once on each other member, gRPC reconnecting within a second, and a broken
 * watch resumed within a second.
 * @throws {EtcdError} `ERR_ETCD_NOT_INSTALLED` when etcd3 is not installed.
 */
export async function connectEtcd(access: EtcdAccess): Promise<Etcd3> {
  const { etcd3, cockatiel } = loadEtcd3();
  const { hosts, tls, auth } = access;
  return new etcd3.Etcd3({
    hosts: [...hosts],
    // grpc-js takes null for "the system's CAs" (etcd3's type says Buffer).
    ...(tls === undefined
      ? {}
      : {
          credentials: {
            rootCertificate: (tls.ca === undefined ? null : Buffer.from(tls.ca)) as Buffer,
            ...(tls.key === undefined ? {} : { privateKey: Buffer.from(tls.key) }),
            ...(tls.cert === undefined ? {} : { certChain: Buffer.from(tls.cert) }),
          },
        }),
    ...(auth === undefined
      ? {}
      : {
          // The token is asked for with defaultCallOptions' deadline, as any unary call.
          auth: { username: auth.user, password: auth.password },
        }),
    dialTimeout: ETCD_CALL_MS,
    defaultCallOptions: (call) => (call.isStream ? {} : { deadline: Date.now() + ETCD_CALL_MS }),
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1000 },
    faultHandling: {
      host: () => cockatiel.noop,
      global: cockatiel.retry(cockatiel.handleWhen(etcd3.isRecoverableError), {
        maxAttempts: hosts.length - 1,
      }),
      watchBackoff: new cockatiel.ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }).next(),
    },
  });
}
