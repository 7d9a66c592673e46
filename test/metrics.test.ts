import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main as serverMain } from 'clogs-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as runCli, startCli } from '../packages/cli/test/helpers.js';
import { PrometheusProcess, promtoolCheck } from './support/prometheus.js';
import { ServerProcess } from './support/server-process.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-metrics-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function startServer(args: string[]): ServerProcess {
  const p = ServerProcess.start(args);
  cleanups.push(async () => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  });
  return p;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status, `GET ${url}`).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.text();
}

/** The value of the one sample `series` (a name, with its labels if any) in an exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A port something listens on now, held until the test ends. */
async function takenPort(): Promise<number> {
  const holder = createTcpServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => holder.close(() => resolve())));
  return (holder.address() as { port: number }).port;
}

describe('clogs-server --metrics and clogs-cli --metrics, scraped by the real tools', () => {
  it('records moved through both: promtool accepts both expositions; Prometheus reads the server its own counts', async () => {
    const N = 300;
    const server = startServer(['--port', '0', '--data-dir', await tempDir(), '--metrics', '127.0.0.1:0']);
    const port = await server.port();
    const serverUrl = /listening on udp:\/\/\S+ data-dir \S+ metrics (http:\/\/\S+)/.exec(server.stdout)?.[1];
    expect(serverUrl, `the listening line gives the metrics address: ${server.stdout}`).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/metrics$/,
    );

    // Prometheus starts while clogs-cli does; the clogs-cli target is added once it serves.
    const target = (url: string) => url.slice('http://'.length, -'/metrics'.length);
    const prometheusStarted = PrometheusProcess.start([target(serverUrl!)]);
    // Stopped after the test whatever happens; a failed start is reported where it is awaited.
    prometheusStarted.catch(() => {});
    cleanups.push(async () => (await prometheusStarted.catch(() => undefined))?.stop());
    const cli = startCli(
      ['-s', `127.0.0.1:${port}`, '--ack', '--format', 'raw', '--sys', 'MET', '--metrics', '127.0.0.1:0'],
      { cleanups },
    );
    const cliUrl = await vi.waitFor(
      () => {
        const url = /clogs-cli: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(cli.err())?.[1];
        expect(url, `the notice of the metrics address, stderr: ${cli.err()}`).toBeDefined();
        return url!;
      },
      { timeout: 15_000, interval: 20 },
    );
    // Lines go in; stdin stays open, so the run is still going while it is scraped.
    cli.child.stdin!.write(Array.from({ length: N }, (_, i) => `metrics line ${i}\n`).join(''));

    const cliText = await vi.waitFor(
      async () => {
        const text = await scrape(cliUrl);
        expect(sample(text, 'clogs_client_records_acked_total'), 'records acked, as scraped').toBe(N);
        return text;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(sample(cliText, 'clogs_client_records_logged_total')).toBe(N);
    expect(sample(cliText, 'clogs_client_records_sent_total')).toBe(N);
    expect(sample(cliText, 'clogs_client_records_dropped_total{reason="queue_full"}')).toBe(0);
    expect(sample(cliText, `clogs_client_server_up{server="127.0.0.1:${port}"}`)).toBe(1);
    expect(sample(cliText, `clogs_client_server_sent_records_total{server="127.0.0.1:${port}"}`)).toBe(N);

    // The server's own account of itself: the stats line SIGUSR1 prints.
    server.child.kill('SIGUSR1');
    await server.until(() => /clogs-server stats \{.*\}\n/.test(server.stderr), 'the stats line');
    const stats = JSON.parse(/clogs-server stats (\{.*\})\n/.exec(server.stderr)![1]!) as {
      records: number;
      frames: number;
    };
    expect(stats.records, 'records the server took').toBe(N);
    const serverText = await scrape(serverUrl!);
    expect(sample(serverText, 'clogs_server_records_total')).toBe(stats.records);
    expect(sample(serverText, 'clogs_server_frames_total')).toBe(stats.frames);
    expect(sample(serverText, 'clogs_server_dropped_datagrams_total{reason="writer_behind"}')).toBe(0);

    expect(promtoolCheck(serverText), 'promtool check metrics on clogs-server').toEqual({
      code: 0,
      said: '',
    });
    expect(promtoolCheck(cliText), 'promtool check metrics on clogs-cli').toEqual({ code: 0, said: '' });

    const prometheus = await prometheusStarted;
    await prometheus.setTargets([target(serverUrl!), target(cliUrl)]);
    const value = (expr: string) =>
      vi.waitFor(
        async () => {
          const result = await prometheus.query(expr);
          expect(result, `${expr} in Prometheus; its log: ${prometheus.log.slice(-1000)}`).toHaveLength(1);
          return result[0]!;
        },
        { timeout: 15_000, interval: 100 },
      );
    const records = await value('clogs_server_records_total');
    expect(records.value, 'clogs_server_records_total as Prometheus stored it').toBe(stats.records);
    expect(records.metric).toMatchObject({ job: 'clogs', instance: target(serverUrl!) });
    expect((await value('clogs_client_records_acked_total')).value).toBe(N);
    // Its last scrape of each succeeded (polled: a scrape on a loaded machine can time out once).
    await vi.waitFor(
      async () => {
        const targets = await prometheus.targets();
        expect(targets.get(serverUrl!), 'the server target').toMatchObject({ health: 'up', lastError: '' });
        expect(targets.get(cliUrl), 'the clogs-cli target').toMatchObject({ health: 'up', lastError: '' });
      },
      { timeout: 10_000, interval: 100 },
    );

    cli.child.stdin!.end();
    expect((await cli.exited).code, `clogs-cli's exit; stderr: ${cli.err()}`).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // Gone with its process: nothing listens on the endpoint any more.
    await expect(fetch(serverUrl!)).rejects.toThrow();
  });

  it('a bad --metrics is usage (64); an address in use exits 71, for both tools', async () => {
    // main() of each tool, in this process: the exit codes and messages are the same.
    const server = async (metrics: string) => {
      const out = new PassThrough().setEncoding('utf8');
      const err = new PassThrough().setEncoding('utf8');
      const argv = ['--port', '0', '--data-dir', await tempDir(), '--metrics', metrics];
      const code = await serverMain(argv, {
        stdout: out,
        stderr: err,
        signals: new EventEmitter(),
        version: 't',
      });
      return { code, out: out.read() ?? '', err: err.read() ?? '' };
    };
    const cli = async (metrics: string) => runCli(['--data-dir', await tempDir(), '--metrics', metrics], []);
    const taken = `127.0.0.1:${await takenPort()}`;
    const inUse = /cannot serve metrics on 127\.0\.0\.1:\d+: .*EADDRINUSE/;

    const badServer = await server('localhost:99999');
    expect(badServer.code, badServer.err).toBe(64);
    expect(badServer.err).toContain('--metrics must be HOST:PORT');
    const busyServer = await server(taken);
    expect(busyServer.code, busyServer.err).toBe(71);
    expect(busyServer.err).toMatch(inUse);
    expect(busyServer.out, 'no listening line for a server that does not serve').toBe('');

    const badCli = await cli('nowhere');
    expect(badCli.code, badCli.err).toBe(64);
    expect(badCli.err).toContain('--metrics must be HOST:PORT');
    const busyCli = await cli(taken);
    expect(busyCli.code, busyCli.err).toBe(71);
    expect(busyCli.err).toMatch(inUse);
  });
});
