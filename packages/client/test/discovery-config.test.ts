import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../../test/support/etcd-process.js';
import type { ConfigEvent } from '../src/index.js';
import { cleanup, discover, fleetWhere, register, up } from './discovery-helpers.js';
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

describe('onFull from the config', () => {
  it('a full queue refuses new records; once the config says drop-oldest, the oldest go instead', async () => {
    etcd = await EtcdCluster.start(1);
    const kv = new Etcd3({ hosts: etcd.urls });
    // A registered server that never answers (bound: no ICMP either): its records wait for a
    // first PONG that never comes, and the queue fills.
    const mute = createSocket('udp4');
    await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
    try {
      const port = mute.address().port;
      await kv.put('/clogs/c2/servers/mute').value(JSON.stringify({ host: '127.0.0.1', port, weight: 1 }));
      const c = discover(etcd.url, 'c2', {
        defaults: { sysId: 'FULL', msgType: 'TXT', fileName: 'app' },
        maxQueueBytes: 64 * 1024,
      });
      await fleetWhere(c, (names) => names.includes('mute'));
      const msg = 'x'.repeat(100);
      for (let i = 0; i < 10_000 && c.stats().dropped.queue_full === 0; i++) c.log(msg);
      const full = c.stats();
      expect(full.dropped.queue_full, 'the queue filled and refused a record').toBe(1);
      expect(full.dropped.oldest_dropped).toBe(0);

      const applied = once<ConfigEvent>(c, 'config');
      await kv.put('/clogs/c2/config').value('{ "onFull": "drop-oldest" }');
      expect((await applied).applied).toEqual(['onFull']);
      const accepted = c.stats().accepted;
      for (let i = 0; i < 1000; i++) c.log(msg);
      const after = c.stats();
      expect(after.accepted - accepted, 'every record taken').toBe(1000);
      expect(after.dropped.queue_full, 'none refused since').toBe(1);
      expect(after.dropped.oldest_dropped, 'older records made room').toBeGreaterThan(0);
      // Each record taken is held (queued for the server, or parked while it is down) or
      // counted dropped, and what is held stays within the queue's bound.
      const held = after.servers[0]!.queuedRecords + after.parkedRecords;
      expect(held + after.dropped.oldest_dropped).toBe(after.accepted);
      // (It may pass the bound by the one record taken when it was just under: less than a frame.)
      expect(after.queuedBytes).toBeLessThan(64 * 1024 + 1432);
    } finally {
      kv.close();
      mute.close();
    }
  });
});
