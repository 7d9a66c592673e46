import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './etcd-process.js';

const ENSURE = fileURLToPath(new URL('../../scripts/ensure-prometheus.sh', import.meta.url));

let toolDir: string | undefined;

/**
 * The folder holding `promtool` and `prometheus`: on PATH, else from
 * scripts/ensure-prometheus.sh (its cache, or Debian's package unpacked there). Where
 * neither works this throws the script's advice: the metrics tests fail, never skip.
 */
export function prometheusTools(): { promtool: string; prometheus: string } {
  if (toolDir === undefined) {
    const onPath = (process.env.PATH ?? '')
      .split(delimiter)
      .find((dir) => existsSync(join(dir, 'promtool')) && existsSync(join(dir, 'prometheus')));
    if (onPath !== undefined) toolDir = onPath;
    else {
      const run = spawnSync('bash', [ENSURE], { encoding: 'utf8', timeout: 300_000 });
      const dir = run.stdout.trim().split('\n').pop() ?? '';
      if (run.status !== 0 || !existsSync(join(dir, 'promtool'))) {
        throw new Error(
          `the metrics tests need promtool and prometheus:\n${run.stderr}${run.error?.message ?? ''}`,
        );
      }
      toolDir = dir;
    }
  }
  return { promtool: join(toolDir, 'promtool'), prometheus: join(toolDir, 'prometheus') };
}

/** `promtool check metrics` on `exposition`: its exit code and what it said (lint problems, parse errors). */
export function promtoolCheck(exposition: string): { code: number | null; said: string } {
  const run = spawnSync(prometheusTools().promtool, ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { code: run.status, said: `${run.stdout}${run.stderr}${run.error?.message ?? ''}` };
}

/** One sample of an instant query: its labels and value. */
export interface QuerySample {
  metric: Record<string, string>;
  value: number;
}

/**
 * A real Prometheus server scraping its targets (host:port, path /metrics) every
 * `intervalMs`, its storage in a temporary folder, its API on 127.0.0.1. The targets
 * come from a file (file-based service discovery), so a test can add one started later.
 */
export class PrometheusProcess {
  log = '';
  private readonly waiters = new Set<() => void>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.log += s;
      for (const wake of [...this.waiters]) wake();
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Starts Prometheus and resolves once it serves its API. Its web port is picked by
   * binding port 0 and closing it; should another process take it meanwhile, Prometheus
   * exits and a new port is tried, three times at most.
   */
  static async start(targets: string[], intervalMs = 500): Promise<PrometheusProcess> {
    const { prometheus } = prometheusTools();
    const dir = await mkdtemp(join(tmpdir(), 'clogs-prometheus-'));
    await writeTargets(dir, targets);
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        `  scrape_interval: ${intervalMs}ms`,
        `  scrape_timeout: ${intervalMs}ms`,
        'scrape_configs:',
        '  - job_name: clogs',
        '    file_sd_configs:',
        `      - files: ['${join(dir, 'targets.json')}']`,
        '',
      ].join('\n'),
    );
    let last = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const child = spawn(
        prometheus,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, `data${attempt}`)}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=info',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const p = new PrometheusProcess(child, `http://127.0.0.1:${port}`, dir);
      if (await p.ready()) return p;
      last = p.log;
      await p.stop(false);
    }
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prometheus did not start:\n${last.slice(-2000)}`);
  }

  /** True once the server says it takes web requests; false if it exited first. Fails after `ms`. */
  private async ready(ms = 20_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!/Server is ready to receive web requests/.test(this.log)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return false;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`prometheus not ready after ${ms} ms:\n${this.log.slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          this.child.off('exit', done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
        this.child.once('exit', done);
      });
    }
    return true;
  }

  /** Replaces the targets; Prometheus sees the file change (it watches it) and scrapes them. */
  setTargets(targets: string[]): Promise<void> {
    return writeTargets(this.dir, targets);
  }

  /** An instant query through the HTTP API (`/api/v1/query`). */
  async query(expr: string): Promise<QuerySample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || body.data?.resultType !== 'vector') {
      throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`);
    }
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** The targets' scrape health as Prometheus sees it (`/api/v1/targets`): scrape URL → health and last error. */
  async targets(): Promise<Map<string, { health: string; lastError: string }>> {
    const res = await fetch(`${this.url}/api/v1/targets`);
    const body = (await res.json()) as {
      data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] };
    };
    return new Map(
      body.data.activeTargets.map((t) => [t.scrapeUrl, { health: t.health, lastError: t.lastError }]),
    );
  }

  /** SIGTERM (SIGKILL after 5 s); removes the storage folder unless `clean` is false. */
  async stop(clean = true): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    if (clean) await rm(this.dir, { recursive: true, force: true });
  }
}

/** The file-based discovery file, replaced whole (a rename) so Prometheus never reads half of it. */
async function writeTargets(dir: string, targets: string[]): Promise<void> {
  await writeFile(join(dir, 'targets.json.new'), JSON.stringify([{ targets, labels: {} }]));
  await rename(join(dir, 'targets.json.new'), join(dir, 'targets.json'));
}
