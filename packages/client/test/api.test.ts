import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeLevels } from '@clogs/protocol';
import { parseLine } from 'clogs-server';
import { describe, expect, it, vi } from 'vitest';
import { ClientError, createClient, parseServer } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { POLL, received, startFleet, useFleet } from './helpers.js';

const t = useFleet();

const defaults = { sysId: 'API', msgType: 'TXT', fileName: 'app' } as const;

describe('server specs', () => {
  it('parse host:port[:weight][ name], IPv6 in brackets', () => {
    expect(parseServer('10.0.0.5:7070:2 log-a')).toEqual({
      host: '10.0.0.5',
      port: 7070,
      weight: 2,
      name: 'log-a',
    });
    expect(parseServer('log.example:7070')).toEqual({
      host: 'log.example',
      port: 7070,
      weight: 1,
      name: 'log.example:7070',
    });
    expect(parseServer('[::1]:7070 six')).toEqual({ host: '::1', port: 7070, weight: 1, name: 'six' });
    expect(parseServer({ host: '10.0.0.6', port: 7070, name: 'log-b' })).toMatchObject({
      weight: 1,
      name: 'log-b',
    });
    for (const bad of ['nohost', 'h:0', 'h:70000', 'h:7070:0', ':7070', 'h:7070 two words', '::1:7070']) {
      expect(() => parseServer(bad)).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_BAD_SERVER' }));
    }
  });

  it('refuses bad options with ERR_CLIENT_BAD_OPTION', () => {
    const bad = (o: object) => {
      try {
        createClient({ servers: ['127.0.0.1:7'], ...o }).close();
      } catch (err) {
        expect(err).toBeInstanceOf(ClientError);
        return (err as ClientError).code;
      }
      return 'made';
    };
    expect(bad({ servers: [] })).toBe('ERR_CLIENT_BAD_OPTION');
    expect(bad({ servers: ['a:1 x', 'b:2 x'] })).toBe('ERR_CLIENT_BAD_OPTION');
    expect(bad({ onFull: 'block' })).toBe('ERR_CLIENT_BAD_OPTION');
    expect(bad({ delivery: 'exactly-once' })).toBe('ERR_CLIENT_BAD_OPTION');
    expect(bad({ maxDatagramBytes: 70_000 })).toBe('ERR_CLIENT_BAD_OPTION');
    expect(bad({ defaults: { level: 'loud' } })).toBe('ERR_CLIENT_BAD_OPTION');
  });

  it('frames of 8,192 bytes by default when every server is on loopback (at most 1/64 of the queue), else 1,432; a set value wins', () => {
    const frame = (servers: string[], o: object = {}) => resolveOptions({ servers, ...o }).maxDatagramBytes;
    expect(frame(['127.0.0.1:7070'])).toBe(8192);
    expect(frame(['127.3.4.5:7070', 'localhost:7071', '[::1]:7072'])).toBe(8192);
    expect(frame(['10.0.0.5:7070'])).toBe(1432);
    expect(frame(['127.0.0.1:7070', 'log.example:7070']), 'one server elsewhere').toBe(1432);
    expect(frame(['127.0.0.1:7070'], { maxDatagramBytes: 1432 })).toBe(1432);
    expect(frame(['10.0.0.5:7070'], { maxDatagramBytes: 9000 })).toBe(9000);
    expect(frame(['127.0.0.1:7070'], { maxQueueBytes: 256 * 1024 }), 'a 256 KiB queue').toBe(4096);
    expect(frame(['127.0.0.1:7070'], { maxQueueBytes: 64 * 1024 }), 'a 64 KiB queue').toBe(1432);
  });

  it('sends a loopback server about six times fewer frames than a 1,432-byte budget would', async () => {
    t.fleet = await startFleet(1);
    const framesFor = async (o: object) => {
      const { frames: before, records } = t.fleet!.servers[0]!.stats();
      const client = createClient({ servers: t.fleet!.specs, defaults, flushIntervalMs: 60_000, ...o });
      for (let i = 0; i < 300; i++) client.log(`record ${String(i).padStart(3, '0')} ${'r'.repeat(90)}`);
      expect(await client.flush({ timeoutMs: 10_000 })).toBe(true);
      await vi.waitFor(() => expect(t.fleet!.servers[0]!.stats().records).toBe(records + 300), POLL);
      await client.close();
      return t.fleet!.servers[0]!.stats().frames - before;
    };
    const byDefault = await framesFor({});
    const small = await framesFor({ maxDatagramBytes: 1432 });
    expect(byDefault, `frames at the default (${small} at 1,432 bytes)`).toBeLessThanOrEqual(6);
    expect(small).toBeGreaterThanOrEqual(25);
  });

  it('names the level table in a bad defaults.level, and keeps the protocol error as cause', () => {
    let err: ClientError | undefined;
    try {
      createClient({ servers: ['127.0.0.1:7'], defaults: { level: 'loud' as never } });
    } catch (e) {
      err = e as ClientError;
    }
    expect(err?.message).toBe(
      `defaults.level must be one of ${describeLevels()}; not "loud" [ERR_CLIENT_BAD_OPTION]`,
    );
    expect(err?.cause).toMatchObject({ code: 'ERR_PROTOCOL_BAD_LEVEL' });
  });
});

describe('client API', () => {
  it('setServers: only the removed server’s files move; its queued records are re-routed', async () => {
    t.fleet = await startFleet(3);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    const files = Array.from({ length: 200 }, (_, i) => `f${i}`);
    const before = new Map(files.map((f) => [f, t.client!.route(`API/${f}`)!]));
    t.client.setServers([t.fleet.specs[0]!, t.fleet.specs[2]!]);
    let moved = 0;
    for (const f of files) {
      const now = t.client.route(`API/${f}`)!;
      if (before.get(f) === 'log-1') {
        moved++;
        expect(now).not.toBe('log-1');
      } else {
        expect(now).toBe(before.get(f));
      }
    }
    expect(moved).toBeGreaterThan(20);
    expect(t.client.stats().servers.map((s) => s.name)).toEqual(['log-0', 'log-2']);
  });

  it("route 'record' spreads records over the servers; a custom route key is honoured", async () => {
    t.fleet = await startFleet(2);
    t.client = createClient({ servers: t.fleet.specs, defaults, route: 'record' });
    for (let i = 0; i < 100; i++) t.client.log(`rr ${i}`);
    await t.client.flush();
    await vi.waitFor(() => expect(received(t.fleet!), 'all records').toBe(100), POLL);
    expect(t.fleet.servers.map((s) => s.stats().records)).toEqual([50, 50]);
    await t.client.close();
    t.client = createClient({ servers: t.fleet.specs, defaults, route: (r) => r.msgType });
    const owner = t.client.route('XML')!;
    for (let i = 0; i < 10; i++) t.client.log(`by type ${i}`, { msgType: 'XML', fileName: `f${i}` });
    await t.client.flush();
    await vi.waitFor(() => expect(received(t.fleet!), 'the typed records').toBe(110), POLL);
    expect(t.fleet.servers[Number(owner.slice(4))]!.stats().records).toBe(50 + 10);
  });

  it('sends to the named server when asked, while it is up', async () => {
    t.fleet = await startFleet(2);
    t.client = createClient({ servers: t.fleet.specs, defaults });
    const other = t.client.route('API/app') === 'log-0' ? 'log-1' : 'log-0';
    t.client.log('pinned', { server: other });
    await t.client.flush();
    await vi.waitFor(() => expect(received(t.fleet!), 'the record').toBe(1), POLL);
    expect(t.fleet.servers[Number(other.slice(4))]!.stats().records).toBe(1);
  });

  it('resolves a host name once, and reports its address', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: [`localhost:${t.fleet.servers[0]!.address.port} by-name`], defaults });
    await vi.waitFor(
      () => expect(t.client!.stats().servers[0]!.rttMs, 'a pong through the name').toBeDefined(),
      POLL,
    );
    expect(['127.0.0.1', '::1']).toContain(t.client.stats().servers[0]!.address);
  });

  it('takes a level by name, alias or number, in any case, and the server writes its name', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults: { ...defaults, level: 'err' } });
    t.client.log('by default');
    t.client.log('warning', { level: 'warning' });
    t.client.log('CRIT', { level: 'CRIT' });
    t.client.log('notice', { level: 'notice' });
    t.client.log('digit', { level: '2' });
    t.client.log('number', { level: 1 });
    await t.client.flush();
    await vi.waitFor(() => expect(received(t.fleet!), 'the records').toBe(6), POLL);
    await t.fleet.servers[0]!.flush();
    const text = await readFile(join(t.fleet.dirs[0]!, 'API', 'app.log'));
    const lines = text.toString('latin1').trimEnd().split('\n');
    expect(
      lines.map((l) => parseLine(Buffer.from(l, 'latin1'))).map((r) => [r!.msg.toString(), r!.level]),
    ).toEqual([
      ['by default', 5],
      ['warning', 4],
      ['CRIT', 6],
      ['notice', 3],
      ['digit', 2],
      ['number', 1],
    ]);
    expect(text.toString('latin1')).toContain(' WARN API TXT 0 - warning\n');
  });

  it('closes through `await using`', async () => {
    t.fleet = await startFleet(1);
    {
      await using scoped = createClient({ servers: t.fleet.specs, defaults });
      scoped.log('disposed');
    }
    await vi.waitFor(() => expect(received(t.fleet!), 'the record sent on dispose').toBe(1), POLL);
  });
});
