import { DEFAULT_LEVEL } from '@clogs/protocol';
import { describe, expect, it, vi } from 'vitest';
import { ChildLogger, createClient, type LogSink, type RecordOptions } from '../src/index.js';
import { lines, POLL, received, startFleet, useFleet } from './helpers.js';

const t = useFleet();

/** A sink that keeps what log() was handed: the options object itself, and its fields then. */
function recordingSink() {
  const calls: { msg: string; options: RecordOptions | undefined; fields: RecordOptions }[] = [];
  const sink: LogSink = {
    log: (msg, options) => {
      calls.push({ msg: String(msg), options, fields: { ...options } });
      return true;
    },
    flush: async () => true,
    on: () => sink,
    once: () => sink,
    off: () => sink,
  };
  return { sink, calls };
}

describe('client.child()', () => {
  it('sends with its bindings, per-record options over them, nested children over their parent', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({
      servers: t.fleet.specs,
      defaults: { sysId: 'ROOT', msgType: 'TXT', fileName: 'root' },
    });
    const pay = t.client.child({ sysId: 'PAY1', fileName: 'pay', level: 'warn' });
    const trade = pay.child({ fileName: 'trade', msgType: 'XML' });
    t.client.log('from the root');
    pay.log('bound');
    pay.log('overridden', { level: 'error', fileName: 'other' });
    trade.log('<nested/>');
    expect(await t.client.flush({ timeoutMs: 5000 })).toBe(true);
    await vi.waitFor(() => expect(received(t.fleet!), 'records at the server').toBe(4), POLL);
    const dir = t.fleet.dirs[0]!;
    await t.fleet.servers[0]!.flush();
    const fields = (l: { sysId: string; msgType: string; level: number; msg: Buffer }) => ({
      sysId: l.sysId,
      msgType: l.msgType,
      level: l.level,
      msg: l.msg.toString(),
    });
    expect((await lines(dir, 'ROOT', 'root')).map(fields)).toEqual([
      { sysId: 'ROOT', msgType: 'TXT', level: DEFAULT_LEVEL, msg: 'from the root' },
    ]);
    expect((await lines(dir, 'PAY1', 'pay')).map(fields)).toEqual([
      { sysId: 'PAY1', msgType: 'TXT', level: 4, msg: 'bound' },
    ]);
    expect((await lines(dir, 'PAY1', 'other')).map(fields)).toEqual([
      { sysId: 'PAY1', msgType: 'TXT', level: 5, msg: 'overridden' },
    ]);
    expect((await lines(dir, 'PAY1', 'trade')).map(fields)).toEqual([
      { sysId: 'PAY1', msgType: 'XML', level: 4, msg: '<nested/>' },
    ]);
  });

  it('hands log() one object it built once, with or without per-record options', () => {
    const { sink, calls } = recordingSink();
    const view = new ChildLogger(sink, { sysId: 'A', fileName: 'f' });
    for (let i = 0; i < 3; i++) view.log(`plain ${i}`);
    for (let i = 0; i < 3; i++) view.log(`with ${i}`, { level: i + 1 });
    const plain = new Set(calls.slice(0, 3).map((c) => c.options));
    const withOptions = new Set(calls.slice(3).map((c) => c.options));
    expect(plain.size).toBe(1);
    expect(withOptions.size).toBe(1);
    expect(Object.isFrozen([...plain][0])).toBe(true);
    expect(calls.map((c) => [c.fields.sysId, c.fields.fileName, c.fields.level])).toEqual([
      ['A', 'f', undefined],
      ['A', 'f', undefined],
      ['A', 'f', undefined],
      ['A', 'f', 1],
      ['A', 'f', 2],
      ['A', 'f', 3],
    ]);
  });

  it('refuses bad bindings at bind time with ERR_CLIENT_BAD_OPTION', async () => {
    t.client = createClient({ servers: ['127.0.0.1:9'] });
    expect(() => t.client!.child({ level: 'loud' as 'info' })).toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }),
    );
    expect(() => t.client!.child({ level: 7 })).toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }),
    );
    expect(() => t.client!.child({ sysId: 5 as unknown as string })).toThrow(
      expect.objectContaining({ code: 'ERR_CLIENT_BAD_OPTION' }),
    );
  });

  it('shares the client: its events, its flush, its closing', async () => {
    t.fleet = await startFleet(1);
    t.client = createClient({ servers: t.fleet.specs, defaults: { sysId: 'SH', msgType: 'TXT' } });
    const child = t.client.child({ fileName: 'shared' });
    const heard: string[] = [];
    const listener = () => heard.push('drain');
    child.on('drain', listener);
    t.client.emit('drain');
    child.off('drain', listener);
    t.client.emit('drain');
    child.once('drain', listener);
    t.client.emit('drain');
    t.client.emit('drain');
    expect(heard).toEqual(['drain', 'drain']);
    child.log('one');
    expect(await child.flush({ timeoutMs: 5000 })).toBe(true);
    expect(t.client.stats().accepted).toBe(1);
    await t.client.close();
    expect(() => child.log('after close')).toThrow(expect.objectContaining({ code: 'ERR_CLIENT_CLOSED' }));
  });
});
