import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { promtoolCheck } from '../../../test/support/prometheus.js';
import {
  type ClogsServer,
  createServer,
  formatExposition,
  type MetricFamily,
  MetricsRegistry,
  parseMetricsAddress,
  SERVER_METRICS,
  serveMetrics,
  serverMetrics,
} from '../src/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const tricky: MetricFamily[] = [
  {
    name: 'clogs_test_drops_total',
    type: 'counter',
    help: 'Help with a backslash \\ and a\nnewline.',
    samples: [
      { labels: { server: 'a "quoted" name', reason: 'back\\slash\nnew line' }, value: 3 },
      { labels: { server: 'plain' }, value: 0 },
    ],
  },
  {
    name: 'clogs_test_odd_values',
    type: 'gauge',
    help: 'Values Go parses its own way.',
    samples: [
      { labels: { v: 'inf' }, value: Number.POSITIVE_INFINITY },
      { labels: { v: 'minus_inf' }, value: Number.NEGATIVE_INFINITY },
      { labels: { v: 'nan' }, value: Number.NaN },
      { labels: { v: 'big' }, value: 2 ** 60 },
      { labels: { v: 'huge' }, value: 1e21 },
      { labels: { v: 'fraction' }, value: 0.125 },
    ],
  },
  { name: 'clogs_test_empty', type: 'gauge', help: 'No sample: HELP and TYPE alone.', samples: [] },
];

describe('the exposition format', () => {
  it('escapes HELP and label values as the 0.0.4 text format says, and promtool reads it', () => {
    const text = formatExposition(tricky);
    expect(text).toBe(
      [
        '# HELP clogs_test_drops_total Help with a backslash \\\\ and a\\nnewline.',
        '# TYPE clogs_test_drops_total counter',
        'clogs_test_drops_total{server="a \\"quoted\\" name",reason="back\\\\slash\\nnew line"} 3',
        'clogs_test_drops_total{server="plain"} 0',
        '# HELP clogs_test_odd_values Values Go parses its own way.',
        '# TYPE clogs_test_odd_values gauge',
        'clogs_test_odd_values{v="inf"} +Inf',
        'clogs_test_odd_values{v="minus_inf"} -Inf',
        'clogs_test_odd_values{v="nan"} NaN',
        // JS's shortest round-trip digits; Go's ParseFloat reads both forms.
        'clogs_test_odd_values{v="big"} 1152921504606847000',
        'clogs_test_odd_values{v="huge"} 1e+21',
        'clogs_test_odd_values{v="fraction"} 0.125',
        '# HELP clogs_test_empty No sample: HELP and TYPE alone.',
        '# TYPE clogs_test_empty gauge',
        '',
      ].join('\n'),
    );
    expect(promtoolCheck(text)).toEqual({ code: 0, said: '' });
  });

  it('refuses what a scraper could not read: bad names, reserved labels, a name twice', () => {
    const one = (name: string, labels?: Record<string, string>): MetricFamily => ({
      name,
      type: 'gauge',
      help: 'h',
      samples: [{ labels, value: 1 }],
    });
    expect(() => formatExposition([one('clogs-dash')])).toThrow('bad metric name "clogs-dash"');
    expect(() => formatExposition([one('9lives')])).toThrow('bad metric name');
    expect(() => formatExposition([one('ok', { 'bad-label': 'x' })])).toThrow('bad label name "bad-label"');
    expect(() => formatExposition([one('ok', { __name__: 'x' })])).toThrow('bad label name "__name__"');
    const registry = new MetricsRegistry().add(() => [one('twice')]).add(() => [one('twice')]);
    expect(() => registry.render()).toThrow('metric twice described twice');
  });

  it('parses --metrics addresses: HOST:PORT, [IPv6]:PORT, PORT alone on loopback', () => {
    expect(parseMetricsAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseMetricsAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseMetricsAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseMetricsAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    for (const bad of ['', ':9464', '::1:9464', 'host:', 'host:65536', 'host:-1', 'host:12a', 'a b:1']) {
      expect(() => parseMetricsAddress(bad), bad).toThrow('--metrics must be HOST:PORT');
    }
  });
});

/** One HTTP exchange: status, headers, body. */
function exchange(method: string, url: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { method }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => {
          body += s;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject).end();
    },
  );
}

describe('the /metrics endpoint', () => {
  it('answers GET and HEAD on /metrics only; a render that throws is a 500 and the endpoint serves on', async () => {
    let fail = false;
    const endpoint = await serveMetrics({ host: '127.0.0.1', port: 0 }, () => {
      if (fail) throw new Error('collector broke');
      return formatExposition(tricky);
    });
    cleanups.push(() => endpoint.close());
    expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}/metrics`);

    const got = await exchange('GET', endpoint.url);
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(got.body).toBe(formatExposition(tricky));
    const head = await exchange('HEAD', endpoint.url);
    expect([head.status, head.body, head.headers['content-length']]).toEqual([
      200,
      '',
      String(Buffer.byteLength(got.body)),
    ]);
    expect((await exchange('GET', `${endpoint.url}?name[]=x`)).status).toBe(200);
    expect((await exchange('GET', `http://127.0.0.1:${endpoint.port}/`)).status).toBe(404);
    expect((await exchange('GET', `http://127.0.0.1:${endpoint.port}/metricsx`)).status).toBe(404);
    const post = await exchange('POST', endpoint.url);
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    fail = true;
    expect(await exchange('GET', endpoint.url)).toMatchObject({ status: 500, body: 'collector broke\n' });
    fail = false;
    expect((await exchange('GET', endpoint.url)).status).toBe(200);
  });

  it('close() ends kept-alive connections: it resolves, and nothing answers after', async () => {
    const endpoint = await serveMetrics({ host: '127.0.0.1', port: 0 }, () => '');
    const res = await fetch(endpoint.url); // undici keeps the connection alive
    expect(res.status).toBe(200);
    await endpoint.close();
    await expect(exchange('GET', endpoint.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('serverMetrics', () => {
  it('every metric clogs-server can serve is in the README, with its type', async () => {
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    for (const { name, type } of SERVER_METRICS) {
      expect(readme, `${name} in the README's metrics table`).toMatch(
        new RegExp(`\\| \`${name}\` +\\| ${type} +\\|`),
      );
    }
  });

  let server: ClogsServer | undefined;
  let dir = '';
  afterEach(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("names every stat of a live server's snapshot, drops by reason, and promtool accepts it", async () => {
    dir = await mkdtemp(join(tmpdir(), 'clogs-server-metrics-'));
    server = await createServer({ host: '127.0.0.1', port: 0, dataDir: dir });
    const stats = server.stats();
    const text = formatExposition(serverMetrics(stats, 1.5));
    expect(promtoolCheck(text)).toEqual({ code: 0, said: '' });
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    // Every name exposed is in the catalogue the README's table is checked against.
    for (const name of names)
      expect(
        SERVER_METRICS.map((m) => m.name),
        name,
      ).toContain(name);
    expect(text).toContain('clogs_server_uptime_seconds 1.5\n');
    for (const reason of Object.keys(stats.dropped)) {
      expect(text).toContain(`clogs_server_dropped_datagrams_total{reason="${reason}"} 0\n`);
    }
    for (const name of names) expect(name).toMatch(/^clogs_server_/);
    const counters = [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]!);
    expect(counters.length).toBeGreaterThan(10);
    for (const name of counters) expect(name).toMatch(/_total$/);
  });
});
