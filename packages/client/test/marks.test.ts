import { describe, expect, it } from 'vitest';
import { type ClogsClient, createClient, type MarkSettled } from '../src/index.js';
import { received, startFleet, until, untilEveryServerPonged, useFleet } from './helpers.js';

const t = useFleet();
const defaults = { sysId: 'MRK', msgType: 'TXT', fileName: 'app' } as const;

/** Tracks whether a mark has settled, to look at it while it may still be pending. */
function watch(mark: Promise<MarkSettled>): { settled: boolean; done: Promise<MarkSettled> } {
  const w = { settled: false, done: mark };
  w.done = mark.then((m) => {
    w.settled = true;
    return m;
  });
  return w;
}

/** A file name the client routes to the server named `name` (the default route is sys_id/file_name). */
function fileFor(client: ClogsClient, name: string): string {
  for (let i = 0; i < 1000; i++) if (client.route(`${defaults.sysId}/f${i}`) === name) return `f${i}`;
  throw new Error(`no file name of f0..f999 routes to ${name}`);
}

describe('mark(): a checkpoint that follows delivery', () => {
  it('settles each mark once every record before it is acknowledged, in the order made', async () => {
    t.fleet = await startFleet(2);
    const client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', marks: true });
    t.client = client;
    const order: number[] = [];
    const ackedAt: number[] = [];
    const said: MarkSettled[] = [];
    const marks: Promise<void>[] = [];
    for (let m = 0; m < 10; m++) {
      for (let i = 0; i < 1000; i++) client.log(`rec ${m} ${i}`, { fileName: `f${i % 5}` });
      marks.push(
        client.mark().then((settled) => {
          order.push(m);
          said.push(settled);
          ackedAt.push(client.stats().acked);
        }),
      );
    }
    await client.flush({ timeoutMs: 10_000 });
    await Promise.all(marks);
    expect(order, 'order the marks settled in').toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(said, 'what each mark said').toEqual(
      order.map((m) => ({ accepted: (m + 1) * 1000, dropped: 0, refused: 0 })),
    );
    for (let m = 0; m < 10; m++)
      expect(ackedAt[m], `records acknowledged when mark ${m} settled`).toBeGreaterThanOrEqual(
        (m + 1) * 1000,
      );
  });

  it('does not wait for records logged after it, and waits for every record before it', async () => {
    t.fleet = await startFleet(2);
    const client = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      marks: true,
      ping: { intervalMs: 50, failureLimit: 1000 },
    });
    t.client = client;
    await untilEveryServerPonged(client);
    const [a, b] = [fileFor(client, 'log-0'), fileFor(client, 'log-1')];
    t.fleet.servers[1]!.setFaults({ dropFraction: 1 });
    for (let i = 0; i < 300; i++) client.log(`to A ${i}`, { fileName: a });
    const first = watch(client.mark());
    // Logged before any ACK can come: the server that drops them holds back only the next mark.
    for (let i = 0; i < 300; i++) client.log(`to B ${i}`, { fileName: b });
    const second = watch(client.mark());
    await first.done;
    const s = client.stats();
    expect(s.servers[1]!.unacked, 'frames of B awaiting an ACK when the first mark settled').toBeGreaterThan(
      0,
    );
    expect(s.acked, 'records acknowledged when the first mark settled').toBeGreaterThanOrEqual(300);
    await until(() => client.stats().servers[1]!.framesResent > 0, 'a resend to the server that drops');
    expect(second.settled, 'second mark settled while B acknowledged nothing').toBe(false);
    t.fleet.servers[1]!.setFaults({ dropFraction: 0 });
    await second.done;
    expect(client.stats().acked, 'records acknowledged when the second mark settled').toBe(600);
  });

  it('settles after records of a server taken out are re-routed and acknowledged elsewhere', async () => {
    t.fleet = await startFleet(2);
    const client = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      marks: true,
      ping: { intervalMs: 20, failureLimit: 2 },
    });
    t.client = client;
    await untilEveryServerPonged(client);
    const b = fileFor(client, 'log-1');
    t.fleet.servers[1]!.setFaults({ dropFraction: 1, silent: true });
    for (let i = 0; i < 500; i++) client.log(`moved ${i}`, { fileName: b });
    await client.mark();
    const s = client.stats();
    expect(s.rerouted, 'records re-routed off the silent server').toBeGreaterThan(0);
    expect(s.acked, 'records acknowledged when the mark settled').toBe(500);
    await t.fleet.servers[0]!.flush();
    expect(t.fleet.servers[0]!.stats().records, 'records at the server still up').toBeGreaterThanOrEqual(500);
    expect(received(t.fleet)).toBeGreaterThanOrEqual(500);
  });

  it('at-most-once settles a mark once its records are sent, acknowledged or not', async () => {
    t.fleet = await startFleet(1);
    t.fleet.servers[0]!.setFaults({ dropFraction: 1 });
    const client = createClient({ servers: t.fleet.specs, defaults, marks: true });
    t.client = client;
    for (let i = 0; i < 2000; i++) client.log(`amo ${i}`);
    await client.mark();
    expect(client.stats().sent, 'records sent when the mark settled').toBe(2000);
    expect(client.stats().acked).toBe(0);
  });

  it('settles marks on close: what was given up is counted as dropped', async () => {
    t.fleet = await startFleet(1);
    t.fleet.servers[0]!.setFaults({ dropFraction: 1 });
    const client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', marks: true });
    for (let i = 0; i < 100; i++) client.log(`lost ${i}`);
    const mark = watch(client.mark());
    await until(() => client.stats().servers[0]!.framesResent > 0, 'a resend to the server that drops');
    expect(mark.settled, 'mark settled with nothing acknowledged').toBe(false);
    const { undelivered } = await client.close({ timeoutMs: 0 });
    expect(await mark.done, 'what the mark said').toEqual({ accepted: 100, dropped: 100, refused: 0 });
    expect(undelivered).toBe(100);
    expect(client.stats().dropped.closed).toBe(100);
  });

  it('drop-oldest: a mark whose records were pushed out settles with them counted, the later mark waits', async () => {
    t.fleet = await startFleet(1);
    // Nothing acknowledged: frames wait, the queue fills, the newest push the oldest out.
    t.fleet.servers[0]!.setFaults({ dropFraction: 1 });
    const client = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      marks: true,
      onFull: 'drop-oldest',
      maxQueueBytes: 65_536,
      highWaterBytes: 32_768,
    });
    t.client = client;
    const pad = 'p'.repeat(1000);
    for (let i = 0; i < 20; i++) client.log(`old ${i} ${pad}`);
    const first = watch(client.mark());
    for (let i = 0; i < 200; i++) client.log(`new ${i} ${pad}`);
    const second = watch(client.mark());
    const dropped = () => client.stats().dropped.oldest_dropped;
    await until(() => first.settled, 'the first mark to settle once its records were pushed out');
    const said = await first.done;
    expect(said.accepted).toBe(20);
    expect(said.dropped, 'the drops are counted when the mark settles').toBeGreaterThanOrEqual(20);
    expect(dropped()).toBe(said.dropped);
    expect(second.settled, 'records after the first mark still wait').toBe(false);
    const { undelivered } = await client.close({ timeoutMs: 0 });
    expect(await second.done).toEqual({ accepted: 220, dropped: dropped() + undelivered, refused: 0 });
    expect(dropped() + undelivered, 'every record dropped, counted').toBe(220);
  });

  it('says how many of the drops were records log() refused (a full queue): never accepted', async () => {
    t.fleet = await startFleet(1);
    t.fleet.servers[0]!.setFaults({ dropFraction: 1 });
    const client = createClient({
      servers: t.fleet.specs,
      defaults,
      delivery: 'at-least-once',
      marks: true,
      maxQueueBytes: 65_536,
      highWaterBytes: 65_536,
    });
    let taken = 0;
    for (let i = 0; i < 2000; i++) if (client.log(`full ${i} ${'p'.repeat(200)}`)) taken++;
    const mark = client.mark();
    const { undelivered } = await client.close({ timeoutMs: 0 });
    const s = client.stats();
    expect(s.dropped.queue_full, 'records refused for the full queue').toBeGreaterThan(0);
    expect(await mark).toEqual({
      accepted: s.accepted,
      dropped: s.dropped.queue_full + undelivered,
      refused: s.dropped.queue_full,
    });
    expect(s.accepted + s.dropped.queue_full, 'every log() call is one or the other').toBe(2000);
    expect(taken).toBeLessThan(2000);
  });

  it('records refused by a bad field are not waited for', async () => {
    t.fleet = await startFleet(1);
    const client = createClient({ servers: t.fleet.specs, defaults, delivery: 'at-least-once', marks: true });
    t.client = client;
    client.log('good');
    expect(() => client.log('bad', { sysId: 'way too long a sys_id' })).toThrow();
    await client.mark();
    expect(client.stats()).toMatchObject({ accepted: 1, refused: 1, acked: 1 });
  });

  it('is refused without the marks option, and with a spool', () => {
    const client = createClient({ servers: ['127.0.0.1:9'] });
    expect(() => client.mark()).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }));
    void client.close({ timeoutMs: 0 });
    expect(() => createClient({ servers: ['127.0.0.1:9'], marks: true, spool: { dir: '/tmp/x' } })).toThrow(
      /marks must be left out with a spool/,
    );
  });
});
