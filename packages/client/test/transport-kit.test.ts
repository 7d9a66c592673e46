import { describe, expect, it } from 'vitest';
import {
  ClientError,
  describeClose,
  TRANSPORT_EVENTS,
  TransportKit,
  type TransportKitOptions,
} from '../src/index.js';
import { createTestClient } from '../src/testing/index.js';

const defaults = { sysId: 'TST', msgType: 'TXT', fileName: 'app' } as const;

function kitOver(more: Partial<TransportKitOptions> = {}) {
  const relayed: [string, unknown][] = [];
  const refused: ClientError[] = [];
  const kit = new TransportKit({
    closeTimeoutMs: 1000,
    drainTimeoutMs: 1000,
    relay: (name, payload) => relayed.push([name, payload]),
    onRefused: (err) => refused.push(err),
    ...more,
  });
  return { kit, relayed, refused };
}

describe('TransportKit', () => {
  it('logs through a borrowed client, counts and reports a refused record instead of throwing it', () => {
    const client = createTestClient({ defaults });
    const { kit, refused } = kitOver({ borrowed: client });
    expect(kit.sink).toBe(client);
    expect(kit.ownsClient).toBe(false);
    expect(kit.log('one')).toBe(true);
    expect(kit.log('two', { fileName: '.hidden' })).toBe(true);
    expect(kit.log('three')).toBe(true);
    expect(client.records().map((r) => r.msg)).toEqual(['one', 'three']);
    expect(kit.refused).toBe(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(ClientError);
    expect(refused[0]!.code).toBe('ERR_CLIENT_BAD_RECORD');
    expect(refused[0]!.field).toBe('file_name');
  });

  it('throws any other error (a closed client) into the caller', async () => {
    const client = createTestClient({ defaults });
    const { kit } = kitOver({ borrowed: client });
    await client.close();
    expect(() => kit.log('late')).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_CLOSED' }));
    expect(kit.refused).toBe(0);
  });

  it("passes each of the client's events on, and no other", () => {
    const client = createTestClient({ defaults });
    const { relayed } = kitOver({ borrowed: client });
    for (const name of TRANSPORT_EVENTS) client.emit(name, { name });
    client.emit('drain');
    client.emit('fleet', {});
    expect(relayed).toEqual(TRANSPORT_EVENTS.map((name) => [name, { name }]));
  });

  it('flushes a borrowed client at close and leaves it open; a second close has the first summary', async () => {
    const client = createTestClient({ defaults });
    const { kit } = kitOver({ borrowed: client });
    kit.log('x', { sysId: 'TOOLONG' });
    const summary = await kit.close();
    expect(summary).toEqual({ undelivered: 0, refused: 1, dropped: undefined, accepted: undefined });
    expect(await kit.close()).toBe(summary);
    expect(client.log('still open')).toBe(true);
    expect(describeClose(summary)).toBe('closed: 1 refused, 0 not delivered');
  });

  it('closes an owned client within closeTimeoutMs and says what it could not deliver', async () => {
    // Port 9 (discard) on loopback: nothing answers, so nothing is ever up to take the records.
    const { kit } = kitOver({ client: { servers: ['127.0.0.1:9'], defaults }, closeTimeoutMs: 50 });
    expect(kit.ownsClient).toBe(true);
    for (let i = 0; i < 3; i++) kit.log(`record ${i}`);
    kit.log('bad', { msgType: 'T T' });
    const summary = await kit.close();
    expect(summary.accepted).toBe(3);
    expect(summary.refused).toBe(1);
    expect(summary.undelivered).toBe(3);
    expect(summary.dropped?.closed).toBe(3);
    expect(describeClose(summary)).toBe('closed: 3 records taken, 1 refused, 3 not delivered (3 closed)');
  });

  it('says nothing at close when nothing was refused or lost', () => {
    expect(
      describeClose({ undelivered: 0, refused: 0, dropped: undefined, accepted: undefined }),
    ).toBeUndefined();
    const dropped = { closed: 0 } as NonNullable<Parameters<typeof describeClose>[0]['dropped']>;
    expect(describeClose({ undelivered: 0, refused: 0, dropped, accepted: 5 })).toBeUndefined();
  });

  it('refuses to start without a client', () => {
    expect(() => kitOver()).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }));
  });
});
