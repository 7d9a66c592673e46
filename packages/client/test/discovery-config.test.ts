import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
      const [a, b] = await Promise.all([
        register(etcd.url, 'c1', 'log-a'),
        register(etcd.url, 'c1', 'log-b'),
      ]);
      const c = discover(etcd.url, 'c1', {
        defaults: { sysId: 'CFG1', msgType: 'TXT', fileName: 'app' },
        delivery: 'at-least-once',
      });
      await until(() => up(c).length === 2, 'both up');
      const send = async (msg: string) => {
        c.log(msg);
        expect(await c.flush({ timeoutMs: 5000 })).toBe(true);
      };

      let applied = once<ConfigEvent>(c, 'config');
      await kv
        .put('/clogs/c1/config')
        .value(
          '{ "defaults": { "sysId": "CFG2", "level": "warn" }, "route": "record", "delivery": "at-most-once" }',
        );
      const first = await applied;
      expect(first).toMatchObject({ applied: ['defaults', 'route'], notLive: ['delivery'] });
      expect(c.stats().discovery!.configRevision).toBe(first.revision);
      expect(c.warnings.at(-1)).toContain('delivery cannot change while the client runs');
      // route 'record': one file's records go round robin, to both servers.
      for (let i = 0; i < 4; i++) c.log(`under CFG2 ${i}`);
      expect(await c.flush({ timeoutMs: 5000 })).toBe(true);
      const onA = await messages(a.dir, 'CFG2', 'app');
      const onB = await messages(b.dir, 'CFG2', 'app');
      expect([...onA, ...onB].sort()).toEqual([
        'under CFG2 0',
        'under CFG2 1',
        'under CFG2 2',
        'under CFG2 3',
      ]);
      expect(
        onA.length,
        `spread over both: ${JSON.stringify(c.stats().servers.map((s) => [s.name, s.recordsSent]))}`,
      ).toBe(2);
      const line = (await readFile(join(a.dir, 'CFG2', 'app.log'), 'utf8')).split('\n')[0]!;
      expect(line.split(' ').slice(1, 4)).toEqual(['WARN', 'CFG2', 'TXT']);

      const warned = once<Error>(c, 'warning');
      await kv.put('/clogs/c1/config').value('{ "defaults": { "sysId": "bad id" }, "flushIntervalMs": 50 }');
      expect((await warned).message).toMatch(/^config at revision \d+ not applied: defaults: /);
      expect(c.stats().discovery!.configRevision, 'the last good config stands').toBe(first.revision);
      await send('still CFG2');
      const both = [...(await messages(a.dir, 'CFG2', 'app')), ...(await messages(b.dir, 'CFG2', 'app'))];
      expect(both).toContain('still CFG2');

      applied = once<ConfigEvent>(c, 'config');
      await kv.delete().key('/clogs/c1/config');
      expect((await applied).applied).toEqual([]);
      expect(c.stats().discovery!.configRevision).toBeUndefined();
      // Back to route 'file' and CFG1: the two records of one file land on one server.
      await send('back to CFG1');
      await send('back again');
      const home = [...(await messages(a.dir, 'CFG1', 'app')), ...(await messages(b.dir, 'CFG1', 'app'))];
      expect(home).toEqual(['back to CFG1', 'back again']);
    } finally {
      kv.close();
    }
  });
});
