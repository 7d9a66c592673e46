import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTestClient } from '@clogs/client/testing';
import { describe, expect, it } from 'vitest';
import { range, runApp, useAppFleet } from '../../../test/support/app-fleet.js';
import clogsTransportDefault, { clogsTransport } from '../src/index.js';

// pino has no conformance suite for transports; its contract is what its worker code does
// with a target (thread-stream's lib/worker.js, pino's lib/worker.js): the module's
// default export (under one or two `default`s) is an async function of the options that
// gives a Writable; string chunks cut anywhere; write() false until 'drain'; flush(cb)
// when flush takes an argument; end(), then 'close', on which the worker exits; 'error'
// for a failure. Several targets go through pino.multistream, one line per write, a
// level filter and no backpressure; a pipeline ends in the target.

const defaults = { sysId: 'PINO', msgType: 'JSON', fileName: 'app' } as const;
const lines = (n: number) =>
  range(n)
    .map((i) => `${JSON.stringify({ level: 30, time: 1_700_000_000_000 + i, msg: `record ${i} é€😀` })}\n`)
    .join('');

describe("thread-stream's contract, in-process", () => {
  it('is the default export, an async function of the options giving a Writable', async () => {
    expect(clogsTransportDefault).toBe(clogsTransport);
    const dest = await clogsTransport({ client: createTestClient({ defaults }) });
    expect(typeof dest.write).toBe('function');
    expect(typeof dest.end).toBe('function');
    dest.end();
    await once(dest, 'close');
  });

  it('takes string chunks cut anywhere, each record whole', async () => {
    const text = lines(40);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const client = createTestClient({ defaults });
      const dest = await clogsTransport({ client });
      for (let at = 0; at < text.length; at += size) {
        expect(typeof dest.write(text.slice(at, at + size))).toBe('boolean');
      }
      dest.end();
      await once(dest, 'close');
      expect(
        client.records().map((r) => JSON.parse(r.msg).msg),
        `chunks of ${size}`,
      ).toEqual(range(40).map((i) => `record ${i} é€😀`));
    }
  });

  it('hands a chunk of MiBs over a slice at a time, the event loop running between slices', async () => {
    // thread-stream hands over up to 4 MiB at once: the client's sends and ACKs (timers,
    // socket reads) must run while it is cut, not after.
    const n = 20_000;
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    const takenAtTurns: number[] = [];
    const written = new Promise<void>((resolve) => {
      const turn = () => {
        takenAtTurns.push(client.records().length);
        if (takenAtTurns.at(-1)! < n) setImmediate(turn);
        else resolve();
      };
      setImmediate(turn);
    });
    const callbacks: string[] = [];
    dest.write(lines(n), () => callbacks.push(`done at ${client.records().length}`));
    await written;
    expect(takenAtTurns[0], 'records taken before the first turn of the loop').toBeGreaterThan(0);
    expect(takenAtTurns[0], 'records taken before the first turn of the loop').toBeLessThan(n / 4);
    expect(new Set(takenAtTurns).size, 'turns that saw a different count').toBeGreaterThan(4);
    dest.end();
    await once(dest, 'close');
    expect(callbacks).toEqual([`done at ${n}`]);
    expect(client.records().map((r) => JSON.parse(r.msg).msg)).toEqual(
      range(n).map((i) => `record ${i} é€😀`),
    );
  });

  it('takes a callback in flush() (arity 1, so the worker waits for it), called once the lines are handed over', async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    expect(dest.flush.length).toBe(1);
    dest.write(lines(3));
    await new Promise<void>((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())));
    expect(client.records()).toHaveLength(3);
    dest.end();
    await once(dest, 'close');
  });

  it("emits 'close' after end() only once its close hook has run, and 'error' for a failure", async () => {
    const client = createTestClient({ defaults });
    const dest = await clogsTransport({ client });
    const order: string[] = [];
    dest.on('closed', () => order.push('closed'));
    dest.on('close', () => order.push('close'));
    dest.end(lines(2));
    await once(dest, 'close');
    expect(order).toEqual(['closed', 'close']);
    expect(client.records()).toHaveLength(2);

    // A client that fails (closed under the transport) is an 'error', then a 'close'.
    const gone = createTestClient({ defaults });
    const failing = await clogsTransport({ client: gone });
    await gone.close();
    const [err] = (await Promise.all([once(failing, 'error'), failing.write(lines(1))]))[0] as [Error];
    expect(err).toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    if (!failing.closed) await once(failing, 'close');
  });
});

// Through pino's own worker, in an app process, into a real clogs-server process.
const APP = fileURLToPath(new URL('./fixtures/pino-app.mjs', import.meta.url));
const N = 2000;
const apps = useAppFleet({
  nodeArgs: [],
  app: APP,
  count: N,
  sys: 'PINO',
  build: ['protocol', 'etcd', 'client', 'pino'],
});

describe("pino's worker", () => {
  it.each([
    ['beside another target (pino.multistream, one line per write)', 'targets'],
    ['at the end of a pipeline', 'pipeline'],
  ])('delivers every record %s, and ends with the app', async (_what, layout) => {
    const { code, app, got } = await apps.run('natural', 'at-least-once', {
      env: { LAYOUT: layout },
      file: layout,
    });
    expect({ code, stderr: app.stderr }).toEqual({ code: 0, stderr: '' });
    expect(got).toEqual(range(N));
  });

  it("delivers every record of a burst past thread-stream's 4 MiB buffer, handed over at exit in pieces", async () => {
    // ~90 bytes a line: 5.4 MB, so the worker gets several chunks, cut wherever the buffer ended.
    const n = 60_000;
    const { code, app, got } = await runApp(apps.fleet, {
      nodeArgs: [],
      app: APP,
      mode: 'natural',
      delivery: 'at-least-once',
      count: n,
      file: 'burst',
      sys: 'PINO',
    });
    expect({ code, stderr: app.stderr }).toEqual({ code: 0, stderr: '' });
    expect(got).toEqual(range(n));
  }, 60_000);

  it("takes only the lines at the target's level or above", async () => {
    const { code, got } = await apps.run('natural', 'at-least-once', {
      env: { LAYOUT: 'leveled' },
      file: 'leveled',
    });
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
    const messages = await apps.fleet.messages('PINO', 'leveled');
    expect(messages.filter((m) => m.includes("below the target's level"))).toEqual([]);
    expect(messages.every((m) => JSON.parse(m).level === 40)).toBe(true);
  });

  it("runs the ESM build behind the CJS entry (pino's worker requires the target)", async () => {
    // In a process of its own: under vitest, require() would resolve @clogs/client to its sources.
    const script = `
      const { createRequire } = require('node:module');
      const { createTestClient } = require('@clogs/client/testing');
      const cjs = require(process.argv[1] + '/index.cjs');
      import(process.argv[1] + '/index.js').then(async (esm) => {
        const defaults = { sysId: 'PINO', msgType: 'JSON', fileName: 'app' };
        const viaCjs = await cjs.clogsTransport({ client: createTestClient({ defaults }) });
        const viaEsm = await esm.clogsTransport({ client: createTestClient({ defaults }) });
        const err = await cjs.clogsTransport({ servers: ['127.0.0.1:9 a'], message: 'all' }).catch((e) => e);
        console.log(JSON.stringify({
          sameClass: viaCjs.constructor === viaEsm.constructor,
          code: err.code,
          cjsError: err instanceof cjs.PinoTransportError,
          esmError: err instanceof esm.PinoTransportError,
        }));
        viaCjs.end();
        viaEsm.end();
      });`;
    const dist = fileURLToPath(new URL('../dist', import.meta.url));
    const child = spawn(process.execPath, ['-e', script, dist], {
      cwd: dist,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    const [code] = await once(child, 'exit');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(JSON.parse(out)).toEqual({
      sameClass: true,
      code: 'ERR_PINO_BAD_OPTION',
      cjsError: true,
      esmError: true,
    });
  });

  it('loads the CJS build by path: the module object, under two defaults', async () => {
    const target = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
    const { code, got } = await apps.run('natural', 'at-most-once', { env: { TARGET: target }, file: 'cjs' });
    expect(code).toBe(0);
    expect(got).toEqual(range(N));
  });
});
