import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import type { ServerProcess } from '../../../test/support/server-process.js';
import { serverProcess } from './helpers.js';

/** What {@link useEtcd} gives a test file: its etcd, a client on it, and per-test cleanups. */
export class EtcdFixture {
  /** Set before the file's first test. */
  cluster!: EtcdCluster;
  etcd!: Etcd3;
  readonly cleanups: (() => Promise<void>)[] = [];

  /** A clogs-server process given `--etcd` (the fixture's) and `args`; stopped (SIGKILL) and its folder removed after the test. */
  async server(args: string[]): Promise<{ p: ServerProcess; dataDir: string }> {
    return serverProcess(['--etcd', this.cluster.url, ...args], this.cleanups);
  }
}

/**
 * A one-member etcd for a test file and an etcd3 client on it, started before its first
 * test and stopped after its last; the cleanups a test registers run after it, the last
 * registered first. Call it at the top of the file.
 */
export function useEtcd(): EtcdFixture {
  const fx = new EtcdFixture();
  beforeAll(async () => {
    fx.cluster = await EtcdCluster.start(1);
    fx.etcd = new Etcd3({ hosts: fx.cluster.urls });
  });
  afterAll(async () => {
    fx.etcd?.close();
    await fx.cluster?.close();
  });
  afterEach(async () => {
    for (const c of fx.cleanups.splice(0).reverse()) await c();
  });
  return fx;
}
