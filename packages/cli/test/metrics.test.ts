import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clogs/client';
import { formatExposition } from 'clogs-server';
import { describe, expect, it, vi } from 'vitest';
import { promtoolCheck } from '../../../test/support/prometheus.js';
import { clientMetrics } from '../src/metrics.js';
import { shell } from './helpers.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

describe('clientMetrics', () => {
  it("describes a client's snapshot; server names are escaped label values; promtool accepts it", async () => {
    const client = createClient({ servers: ['127.0.0.1:9 a', '127.0.0.1:19 b'] });
    const stats = client.stats();
    await client.close({ timeoutMs: 0 });
    // Names come from config files and etcd: any text must still make a readable label.
    stats.servers[0]!.name = 'we"ird\\name\nnext';
    stats.servers[0]!.rttMs = 2.5;
    stats.servers[1]!.rttMs = undefined;
    const text = formatExposition(clientMetrics(stats));
    expect(promtoolCheck(text)).toEqual({ code: 0, said: '' });
    expect(text).toContain('clogs_client_server_rtt_seconds{server="we\\"ird\\\\name\\nnext"} 0.0025\n');
    // No round trip measured yet: no sample, rather than a made-up 0.
    expect(text).not.toContain('clogs_client_server_rtt_seconds{server="b"}');
    expect(text).toContain('clogs_client_server_up{server="b"} 0\n');
    // Not heard from yet: probing, which `up` alone cannot tell from down.
    expect(text).toContain('clogs_client_server_state{server="b",state="probing"} 1\n');
    expect(text).toContain('clogs_client_server_state{server="b",state="down"} 0\n');
    for (const reason of Object.keys(stats.dropped)) {
      expect(text).toContain(`clogs_client_records_dropped_total{reason="${reason}"} 0\n`);
    }
    const counters = [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]!);
    for (const name of counters) expect(name).toMatch(/_total$/);
  });

  it('every metric clogs-cli can serve is in the README, with its type', async () => {
    const client = createClient({ servers: ['127.0.0.1:9 a'] });
    const stats = client.stats();
    await client.close({ timeoutMs: 0 });
    // Every optional family present: round trips measured, a fleet from etcd, a spool.
    stats.servers[0]!.rttMs = 1;
    stats.servers[0]!.minRttMs = 1;
    stats.discovery = {
      source: 'etcd',
      etcd: ['http://127.0.0.1:2379'],
      cluster: 'default',
      revision: '7',
      connected: true,
      configRevision: undefined,
    };
    stats.spool = {
      dir: '/tmp/spool',
      segments: 1,
      spooled: 3,
      replayed: 2,
      found: 2,
      backlog: 1,
      cut: 0,
      cutBytes: 0,
      left: 0,
    };
    const readme = await readFile(README, 'utf8');
    const families = [
      ...clientMetrics(stats),
      { name: 'clogs_cli_uptime_seconds', type: 'gauge' as const, help: '', samples: [] },
    ];
    for (const f of families) {
      expect(readme, `${f.name} in the README's metrics table`).toMatch(
        new RegExp(`\\| \`${f.name}\` +\\| ${f.type} +\\|`),
      );
    }
  });
});

describe('--metrics in the shell', () => {
  it('serves while the shell runs, the embedded server included: a typed line shows in the counts; the endpoint goes when it leaves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-metrics-'));
    try {
      const sh = shell(['--data-dir', dir, '--metrics', '127.0.0.1:0']);
      const url = await vi.waitFor(
        () => {
          const found = /clogs-cli: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(sh.seen.err)?.[1];
          expect(found, `the notice, stderr: ${sh.seen.err}`).toBeDefined();
          return found!;
        },
        { timeout: 10_000, interval: 10 },
      );
      sh.stdin.write('OPS TXT typed in the shell\n');
      await vi.waitFor(
        async () => {
          const text = await (await fetch(url)).text();
          expect(text).toContain('clogs_client_records_sent_total 1\n');
          expect(text).toContain('clogs_client_server_sent_records_total{server="embedded"} 1\n');
          // The embedded server's own metrics come with the client's.
          expect(text).toContain('clogs_server_records_total 1\n');
          expect(promtoolCheck(text)).toEqual({ code: 0, said: '' });
        },
        { timeout: 10_000, interval: 20 },
      );
      sh.stdin.end();
      expect(await sh.exited).toBe(0);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
