import type { Etcd3 } from 'etcd3';

/** A unary call (a read, grant, put, txn, revoke) that takes longer fails, and is tried again by its caller. */
export const ETCD_CALL_MS = 2000;

/**
 * An etcd client for `hosts` (`http://host:port` each). etcd3 and its gRPC stack are
 * loaded here, on first use: a client without `discovery`, or a server run without
 * `--etcd`, never loads them.
 *
 * The fault handling is tuned for a config centre that comes back: no circuit breaker
 * (etcd3's default keeps a member shut out for 5 s after it fails thrice, delaying the
 * resumed watch or the re-registration after an outage), a failed call tried once on
 * each other member, gRPC reconnecting within a second, and a broken watch resumed
 * within a second.
 */
export async function connectEtcd(hosts: readonly string[]): Promise<Etcd3> {
  const [etcd3, cockatiel] = await Promise.all([import('etcd3'), import('cockatiel')]);
  return new etcd3.Etcd3({
    hosts: [...hosts],
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
