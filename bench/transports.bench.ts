/**
 * Node logger transports, lines/s and loss, in one run: pino → @clogs/pino (worker
 * thread) into clogs-server, against pino → pino-socket (UDP, worker thread) into a line
 * counter and pino → a file through sonic-boom (the `pino/file` worker transport, and
 * pino.destination() on the main thread); winston → @clogs/winston into clogs-server
 * against winston → winston-syslog (UDP) into a counter. Each app is its own process,
 * timed from its first log call to its exit (its transport's flush at exit included), the
 * receiver's count (or the file's lines) checked for loss. Medians of `--runs`.
 *
 *   pnpm build && pnpm --filter @clogs/bench run bench:transports -- --runs 5
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine, median } from './machine.js';
import { type Mode, receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '5' },
    lines: { type: 'string', default: '200000' },
    /** Only the paced sweep (pino-socket's and ours at set rates). */
    'sweep-only': { type: 'boolean', default: false },
    /** Only these cases of the full-speed table (comma-separated kinds, e.g. `clogs-pino,pino-file`), no sweep. */
    only: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.lines);
const APP = join(import.meta.dirname, 'transport-app.mjs');
for (const pkg of ['pino', 'winston']) {
  if (!existsSync(join(import.meta.dirname, '..', 'packages', pkg, 'dist', 'index.cjs'))) {
    console.error(`@clogs/${pkg} is not built: run \`pnpm build\` first`);
    process.exit(1);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-transports-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

interface Result {
  perSec: number;
  lossPct: number;
  code: number | null;
  err: string;
}

/** Runs the app for `kind` against a receiver (or a file), to its exit. */
async function measure(kind: string, into: Mode | 'file', n = N, rate = 0): Promise<Result> {
  const r = into === 'file' ? undefined : await receiver(into);
  const file = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.log`);
  const base = r === undefined ? 0 : (await r.stats()).records;
  const child = spawn(
    process.execPath,
    [APP, kind, r === undefined ? file : String(r.port), String(n), String(rate)],
    {
      cwd: import.meta.dirname,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const ended = process.hrtime.bigint();
  const start = /start (\d+)/.exec(out);
  const seconds = start === null ? Number.NaN : Number(ended - BigInt(start[1]!)) / 1e9;
  let got: number;
  if (r === undefined) {
    const text = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    got = 0;
    for (let i = text.indexOf(0x0a); i >= 0; i = text.indexOf(0x0a, i + 1)) got++;
  } else {
    got = (await settle(r, base + n)).records - base;
    await r.stop();
  }
  return { perSec: n / seconds, lossPct: (100 * (n - got)) / n, code, err };
}

const allCases: [string, string, Mode | 'file'][] = [
  ['pino → @clogs/pino → clogs-server', 'clogs-pino', 'clogs ack-after-write'],
  ['pino → @clogs/pino (8 KiB frames) → clogs-server', 'clogs-pino-8k', 'clogs ack-after-write'],
  ['pino → pino-socket (udp) → counter', 'pino-socket', 'lines'],
  ['pino → pino/file (sonic-boom, worker)', 'pino-file', 'file'],
  ['pino → pino.destination (sonic-boom, main thread)', 'pino-dest', 'file'],
  ['winston → @clogs/winston → clogs-server', 'clogs-winston', 'clogs ack-after-write'],
  ['winston → @clogs/winston (8 KiB frames) → clogs-server', 'clogs-winston-8k', 'clogs ack-after-write'],
  ['winston → winston-syslog (udp) → counter', 'winston-syslog', 'lines'],
];

const only = values.only?.split(',');
const cases = only === undefined ? allCases : allCases.filter(([, kind]) => only.includes(kind));
if (only !== undefined && cases.length !== only.length) {
  console.error(`--only: unknown case among ${values.only} (kinds: ${allCases.map((c) => c[1]).join(', ')})`);
  process.exit(1);
}

console.log(machineLine());
const fmt = (x: number) => Math.round(x).toLocaleString('en');
const pct = (x: number) => `${x.toFixed(x > 0 && x < 0.1 ? 3 : 1)}%`;
const row = (cols: string[]) => `| ${cols.join(' | ')} |`;

// pino-socket dies when a burst joins lines into one datagram past 65,507 bytes, so its
// figure at full speed is how fast it fails. Paced, an app shows the rate it can carry:
// each rate for 3 s, the worst loss of the runs.
const RATES = only === undefined ? [10_000, 20_000, 40_000, 80_000] : [];
if (RATES.length > 0)
  console.log(
    `\npaced: ${RATES.map(fmt).join(', ')} lines/s for 3 s each, ${RUNS} runs, worst loss (exits ≠ 0)\n`,
  );
if (RATES.length > 0) console.log(row(['case', ...RATES.map((r) => `${fmt(r)}/s`)]));
if (RATES.length > 0) console.log(row(['---', ...RATES.map(() => '---:')]));
for (const [name, kind, into] of RATES.length === 0
  ? []
  : ([
      ['pino → pino-socket (udp) → counter', 'pino-socket', 'lines'],
      ['pino → @clogs/pino → clogs-server', 'clogs-pino', 'clogs ack-after-write'],
    ] as const)) {
  const cols: string[] = [];
  for (const rate of RATES) {
    const rs: Result[] = [];
    for (let run = 0; run < RUNS; run++) rs.push(await measure(kind, into, rate * 3, rate));
    cols.push(`${pct(Math.max(...rs.map((r) => r.lossPct)))} (${rs.filter((r) => r.code !== 0).length})`);
  }
  console.log(row([name, ...cols]));
}
if (values['sweep-only']) process.exit(0);

console.log(
  `\n${N.toLocaleString('en')} lines per app, as fast as pino takes them, ${RUNS} runs, medians (range)\n`,
);
const results = new Map<string, Result[]>(cases.map(([name]) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, kind, into] of cases) {
    const res = await measure(kind, into);
    results.get(name)!.push(res);
    if (res.code !== 0) {
      console.log(
        `    run ${run + 1}: ${name} exited ${res.code}: ${/Error.*/.exec(res.err)?.[0] ?? res.err.trim()}`,
      );
    }
  }
}
console.log(row(['case', 'lines/s', 'loss', 'exits ≠ 0']));
console.log(row(['---', '---:', '---:', '---:']));
const medians = new Map<string, number>();
for (const [name] of cases) {
  const rs = results.get(name)!;
  const rates = rs.map((r) => r.perSec);
  const losses = rs.map((r) => r.lossPct);
  medians.set(name, median(rates));
  console.log(
    row([
      name,
      `${fmt(median(rates))} (${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))})`,
      `${pct(median(losses))} (${pct(Math.min(...losses))}–${pct(Math.max(...losses))})`,
      String(rs.filter((r) => r.code !== 0).length),
    ]),
  );
}
const has = (kind: string) => cases.some((c) => c[1] === kind);
const m = (kind: string) => medians.get(cases.find((c) => c[1] === kind)![0])!;
const ratios = (
  [
    ['@clogs/pino vs pino-socket', 'clogs-pino', 'pino-socket'],
    ['@clogs/pino vs pino/file', 'clogs-pino', 'pino-file'],
    ['@clogs/pino vs pino.destination', 'clogs-pino', 'pino-dest'],
    ['@clogs/pino (8 KiB) vs pino/file', 'clogs-pino-8k', 'pino-file'],
    ['@clogs/winston vs winston-syslog', 'clogs-winston', 'winston-syslog'],
  ] as const
)
  .filter(([, a, b]) => has(a) && has(b))
  .map(([label, a, b]) => {
    // Run by run too: the two ran back to back, so their ratio sees the same load.
    const ra = results.get(cases.find((c) => c[1] === a)![0])!;
    const rb = results.get(cases.find((c) => c[1] === b)![0])!;
    const pairs = ra.map((r, i) => r.perSec / rb[i]!.perSec);
    return `${label}: ${(m(a) / m(b)).toFixed(2)}× (run by run ${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)})`;
  });
if (ratios.length > 0) console.log(`\n${ratios.join('\n')}`);
