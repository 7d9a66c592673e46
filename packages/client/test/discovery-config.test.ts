import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import type { ConfigEvent } from '../src/index.js';
import { cleanup, discover, register, up } from './discovery-helpers.js';
import { messages, once, until } from './helpers.js';

let etcd: EtcdCluster | undefined;
afterEach(async () => {
  await cleanup();
  await etcd?.close();
  etcd = undefined;
});

describe('live config from /clogs/<cluster>/config', () => {
  it('applies what can change live, names what cannot, refuses a bad config whole, and reverts when it is deleted', async () => {
    etcd = await EtcdCluster.start(1);
    const kv = new Etcd3({ hosts: etcd.urls });
    try {
      const a = await register(etcd.url, 'c1', 'log-a');
      const c = discover(etcd.url, 'c1', {
        defaults: { sysId: 'CFG1', msgType: 'TXT', fileName: 'app' },
        delivery: 'at-least-once',
      });
      await until(() => up(c).length === 1, 'log-a up');
      const send = async (msg: string) => {
        c.log(msg);
        expect(await c.flush({ timeoutMs: 5000 })).toBe(true);
      };

      let applied = once<ConfigEvent>(c, 'config');
      await kv
        .put('/clogs/c1/config')
        .value('{ "defaults": { "sysId": "CFG2" }, "delivery": "at-most-once" }');
      const first = await applied;
      expect(first).toMatchObject({ applied: ['defaults'], notLive: ['delivery'] });
      expect(c.stats().discovery!.configRevision).toBe(first.revision);
      expect(c.warnings.at(-1)).toContain('delivery cannot change while the client runs');
      await send('under CFG2');
      expect(await messages(a.dir, 'CFG2', 'app')).toEqual(['under CFG2']);

      const warned = once<Error>(c, 'warning');
      await kv.put('/clogs/c1/config').value('{ "defaults": { "sysId": "bad id" }, "flushIntervalMs": 50 }');
      expect((await warned).message).toMatch(/^config at revision \d+ not applied: defaults: /);
      expect(c.stats().discovery!.configRevision, 'the last good config stands').toBe(first.revision);
      await send('still CFG2');
      expect(await messages(a.dir, 'CFG2', 'app')).toEqual(['under CFG2', 'still CFG2']);

      applied = once<ConfigEvent>(c, 'config');
      await kv.delete().key('/clogs/c1/config');
      expect((await applied).applied).toEqual([]);
      expect(c.stats().discovery!.configRevision).toBeUndefined();
      await send('back to CFG1');
      expect(await messages(a.dir, 'CFG1', 'app')).toEqual(['back to CFG1']);
    } finally {
      kv.close();
    }
  });
});
