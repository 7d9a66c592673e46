import { randomBytes } from 'node:crypto';
import { createFrameKey } from '@clogs/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeServer } from '../../../test/support/fake-server.js';
import { LossyLink } from '../../../test/support/lossy-link.js';
import { type ClogsClient, createClient, type DownEvent } from '../src/index.js';
import { once, until } from './helpers.js';

// Servers that say what a real one cannot be made to say at will (CANNOT_WRITE, version 1
// only, a restart between two datagrams): fakes whose replies are built from the spec.

const fakes: FakeServer[] = [];
const links: LossyLink[] = [];
let client: ClogsClient | undefined;
afterEach(async () => {
  await client?.close({ timeoutMs: 500 });
  client = undefined;
  for (const f of fakes.splice(0)) f.close();
  for (const l of links.splice(0)) l.close();
});

async function fake(o: Parameters<typeof FakeServer.start>[0]): Promise<FakeServer> {
  const f = await FakeServer.start(o);
  fakes.push(f);
  return f;
}

const FAST = {
  ping: { intervalMs: 50, failureLimit: 3 },
  defaults: { sysId: 'T', msgType: 'TXT', fileName: 'f' },
};

describe('PONG status: a server that cannot write', () => {
  it('is taken out at its first PONG (down, cannot-write): at-most-once records all go to the healthy server', async () => {
    const broken = await fake({ version: 2, status: 1, name: 'broken' });
    const healthy = await fake({ version: 2, ack: true, name: 'healthy' });
    client = createClient({ ...FAST, servers: [broken.spec, healthy.spec], route: 'record' });
    const down = once<DownEvent>(client, 'down');
    const sent = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    for (const m of sent) client.log(m);
    const event = await down;
    expect(event).toMatchObject({ server: 'broken', reason: 'cannot-write' });
    expect(event.message).toMatch(/cannot write \(PONG status CANNOT_WRITE\)/);
    await until(() => healthy.messages.length === sent.length, 'every record on the healthy server');
    expect(healthy.messages.sort()).toEqual([...sent].sort());
    expect(broken.logs, 'LOG frames sent to the server that cannot write').toEqual([]);
    const state = client.stats().servers.find((s) => s.port === broken.port)!;
    expect(state).toMatchObject({ state: 'down', up: false, downReason: 'cannot-write', share: 0 });
  });

  it('comes back when its PONG says READY again, and takes records then', async () => {
    const broken = await fake({ version: 2, status: 1, ack: true });
    client = createClient({ ...FAST, servers: [broken.spec] });
    await once(client, 'down');
    client.log('waits for a server');
    broken.status = 0;
    await once(client, 'up');
    await until(() => broken.messages.length === 1, 'the parked record delivered');
    expect(broken.messages).toEqual(['waits for a server']);
    expect(client.stats().servers[0]).toMatchObject({ state: 'up', downReason: undefined });
  });
});

describe('negotiation: a server that speaks only version 1', () => {
  it('is reported down (version), with a warning naming it, and is never sent records', async () => {
    const old = await fake({ version: 1 });
    const healthy = await fake({ version: 2, ack: true });
    client = createClient({ ...FAST, servers: [old.spec, healthy.spec], route: 'record' });
    const event = await once<DownEvent>(client, 'down');
    expect(event.server).toBe('fake-v1');
    expect(event.reason).toBe('version');
    expect(event.message).toMatch(/speaks only wire version 1: upgrade clogs-server at 127\.0\.0\.1:\d+/);
    // The first PING is version 2 alone; version 1 ones follow only while none is answered.
    expect(old.pings.v1).toBeGreaterThan(0);
    expect(healthy.pings.v1, 'version 1 PINGs to a server that answered version 2').toBe(0);
    for (let i = 0; i < 50; i++) client.log(`r${i}`);
    await until(() => healthy.messages.length === 50, 'the records on the version 2 server');
    expect(old.logs, 'LOG frames sent to the version 1 server').toEqual([]);
    expect(client.stats().servers.find((s) => s.name === 'fake-v1')).toMatchObject({
      state: 'down',
      downReason: 'version',
    });
  });
});

describe('with a key: sealed frames, verified replies, reseal on a new boot', () => {
  const key = createFrameKey(randomBytes(32));

  it('ignores PONGs in clear (a server without the key, or a forger): nothing is sent, it goes down unheard', async () => {
    const plain = await fake({ version: 2, ack: true });
    client = createClient({ ...FAST, servers: [plain.spec], key });
    client.log('never in clear');
    const event = await once<DownEvent>(client, 'down');
    expect(event.reason).toBe('no-pong');
    expect(plain.pings.v2).toBeGreaterThan(0);
    expect(plain.logs).toEqual([]);
    expect(client.stats().servers[0]!.rttMs).toBeUndefined();
  });

  it('ignores sealed PONGs and ACKs bound to another client (a replay of its replies)', async () => {
    const pongs = await fake({ version: 2, key, ack: true, misbind: 'pong', name: 'pongs' });
    client = createClient({ ...FAST, servers: [pongs.spec], key });
    client.log('waits');
    expect((await once<DownEvent>(client, 'down')).reason).toBe('no-pong');
    expect(pongs.logs).toEqual([]);
    await client.close({ timeoutMs: 0 });
    const acks = await fake({ version: 2, key, ack: true, misbind: 'ack', name: 'acks' });
    client = createClient({ ...FAST, servers: [acks.spec], key, delivery: 'at-least-once' });
    client.log('sent, never acknowledged');
    await until(() => acks.messages.length > 0, 'the record at the server');
    expect(await client.flush({ timeoutMs: 300 }), 'flush with only misbound ACKs').toBe(false);
    expect(client.stats()).toMatchObject({ acked: 0 });
    expect(client.stats().servers[0]!.framesAcked).toBe(0);
  });

  it('every datagram on the wire carries none of the messages in clear, and each is delivered', async () => {
    const server = await fake({ version: 2, key, ack: true });
    const link = await LossyLink.start({ target: { host: '127.0.0.1', port: server.port }, record: true });
    links.push(link);
    client = createClient({
      ...FAST,
      servers: [`127.0.0.1:${link.port} relay`],
      key,
      delivery: 'at-least-once',
      // The card number reaches the wire unmasked: only the encryption keeps it off it.
      redact: { pan: false },
    });
    const sent = Array.from({ length: 500 }, (_, i) => `card 4111111111111111 order ${i} secret-${i}`);
    for (const m of sent) client.log(m);
    expect(await client.flush({ timeoutMs: 5000 })).toBe(true);
    expect(new Set(server.messages)).toEqual(new Set(sent));
    const wire = [...link.recorded!.up, ...link.recorded!.down];
    const logs = link.recorded!.up.filter((d) => d[3] === 1);
    expect(logs.length).toBeGreaterThan(0);
    for (const d of logs) expect([d[2], d[5]], 'LOG frame version and suite').toEqual([2, 1]);
    const clear = wire.filter(
      (d) => d.includes('secret-') || d.includes('4111111111111111') || d.includes('TXT'),
    );
    expect(clear, 'datagrams with plaintext on the wire').toEqual([]);
  });

  it('reseals every unacknowledged frame for a new boot and resends it: nothing lost across a restart', async () => {
    const server = await fake({ version: 2, key, ack: false });
    client = createClient({
      ...FAST,
      servers: [server.spec],
      key,
      delivery: 'at-least-once',
      ping: { intervalMs: 50, failureLimit: 100 },
    });
    const sent = Array.from({ length: 300 }, (_, i) => `before the restart ${i}`);
    for (const m of sent) client.log(m);
    await until(() => new Set(server.messages).size === sent.length, 'the first sends');
    // It restarts without having ACKed anything: the frames are unacknowledged and bound to the old boot.
    server.restart();
    server.messages.length = 0;
    server.ack = true;
    expect(await client.flush({ timeoutMs: 5000 })).toBe(true);
    expect(new Set(server.messages)).toEqual(new Set(sent));
    const stats = client.stats();
    expect(stats.acked).toBe(sent.length);
    expect(stats.servers[0]!.framesResent).toBeGreaterThan(0);
    expect(stats.rerouted, 'records re-routed instead of resealed').toBe(0);
  });
});

describe('options', () => {
  it('refuses a 16-byte key with ERR_CLIENT_BAD_OPTION, naming the rule, and a cipher without a key', () => {
    expect(() => createClient({ servers: ['127.0.0.1:9'], key: randomBytes(16) })).toThrow(
      expect.objectContaining({
        code: 'ERR_CLIENT_BAD_OPTION',
        reason: 'ERR_PROTOCOL_WEAK_KEY',
        message: expect.stringMatching(/key refused: key is 16 bytes; at least 32/),
      }),
    );
    expect(() => createClient({ servers: ['127.0.0.1:9'], cipher: 'aes-256-gcm' })).toThrow(
      /cipher must be left out without a key/,
    );
    const key = randomBytes(32);
    expect(() => createClient({ servers: ['127.0.0.1:9'], key, cipher: 'des' as 'aes-256-gcm' })).toThrow(
      /cipher must be one of chacha20-poly1305, aes-256-gcm, integrity-only/,
    );
  });
});
