/**
 * clogs-cli pipe mode, lines/s, beside logger(1) (one UDP datagram per line), pino-socket's
 * CLI and `nc -u` when installed, in one run: 100-byte lines from a file on stdin or
 * through an OS pipe from `cat` (a producer as fast as they come), each sender timed
 * from its spawn to its exit (process start-up included: what a script sees), then the
 * receiver's count checked for loss.
 *
 *   pnpm build && pnpm --filter @clogs/bench run bench:cli -- --runs 3
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineFile } from './line-file.js';
import { machineLine, median } from './machine.js';
import { type Mode, receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    lines: { type: 'string', default: '1000000' },
    'peer-lines': { type: 'string', default: '200000' },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.lines);
const PEER_N = Number(values['peer-lines']);
const CLI = join(import.meta.dirname, '..', 'packages', 'cli', 'bin', 'clogs-cli.js');
if (!existsSync(join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'bin.js'))) {
  console.error('clogs-cli is not built: run `pnpm build` first');
  process.exit(1);
}
const NAIVE = join(import.meta.dirname, 'naive-line-sender.ts');
const PSOCK = createRequire(import.meta.url).resolve('pino-socket/psock.js');
const hasNc = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v nc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const lines = (n: number) => lineFile(dir, n);

interface Result {
  perSec: number;
  /** User + system CPU of the command's processes (with `cat |`, cat's too) per line, µs. */
  cpuUsPerLine: number;
  lossPct: number;
  code: number | null;
}

const quote = (x: string) => `'${x.replaceAll("'", "'\\''")}'`;

/** How the sender gets its input: a file on stdin (`< file`) or an OS pipe from `cat`, as fast as a producer gets. */
type Input = 'file' | 'pipe';

async function measure(
  mode: Mode,
  n: number,
  input: Input,
  command: (port: number) => string[],
): Promise<Result> {
  const path = lines(n);
  const r = await receiver(mode);
  const base = await r.stats();
  const cmd = command(r.port).map(quote).join(' ');
  const script = `${input === 'file' ? `${cmd} < ${quote(path)}` : `cat ${quote(path)} | ${cmd}`}; c=$?; times >&2; exit $c`;
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 && code !== null)
    console.log(
      `    ${command(0)[1] ?? command(0)[0]} exited ${code}: ${/Error: .*/.exec(err)?.[0] ?? err.trim().split('\n')[0]}`,
    );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const s = await settle(r, base.records + n);
  await r.stop();
  // bash's `times`: its own CPU, then its children's (the command's processes).
  const times = /\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(err);
  const cpu =
    times === null
      ? Number.NaN
      : Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]);
  return {
    perSec: n / seconds,
    cpuUsPerLine: (cpu * 1e6) / n,
    lossPct: (100 * (n - (s.records - base.records))) / n,
    code,
  };
}

// At its defaults: to a loopback server that is 8,192-byte frames.
const clogs = (extra: string[]) => (port: number) => [
  process.execPath,
  CLI,
  '-s',
  `127.0.0.1:${port} bench`,
  '--quiet',
  ...extra,
];
const NAIVE_FRAMES = join(import.meta.dirname, 'naive-frame-sender.mjs');
const cases: [string, number, Mode, Input, (port: number) => string[]][] = [
  ['clogs-cli → counter', N, 'count', 'file', clogs([])],
  ['clogs-cli → clogs-server', N, 'clogs ack-after-write', 'file', clogs([])],
  ['cat | clogs-cli → clogs-server', N, 'clogs ack-after-write', 'pipe', clogs([])],
  [
    'cat | clogs-cli --max-datagram 1432 → clogs-server',
    N,
    'clogs ack-after-write',
    'pipe',
    clogs(['--max-datagram', '1432']),
  ],
  ['clogs-cli --ack → clogs-server', N, 'clogs ack-after-write', 'file', clogs(['--ack'])],
  ['cat | clogs-cli --ack → clogs-server', N, 'clogs ack-after-write', 'pipe', clogs(['--ack'])],
  // The naive sender of clogs frames: a LOG frame per line, into the same clogs-server.
  [
    'cat | naive frame sender → clogs-server',
    PEER_N,
    'clogs ack-after-write',
    'pipe',
    (port) => [process.execPath, NAIVE_FRAMES, '--port', String(port)],
  ],
  // Naive senders: one datagram per line, no batching, no flow control. Ours in Node, and
  // logger(1), the one every Linux machine has.
  [
    'cat | naive Node sender → counter',
    PEER_N,
    'lines',
    'pipe',
    (port) => [process.execPath, '--import', 'tsx', NAIVE, '--port', String(port)],
  ],
  [
    'cat | logger -d → counter',
    PEER_N,
    'lines',
    'pipe',
    (port) => ['logger', '-d', '-n', '127.0.0.1', '-P', String(port), '--rfc3164'],
  ],
  [
    'pino-socket -m udp → counter',
    PEER_N,
    'lines',
    'file',
    (port) => [process.execPath, PSOCK, '-a', '127.0.0.1', '-p', String(port), '-m', 'udp', '-ne'],
  ],
];
if (hasNc)
  cases.push([
    'nc -u → counter',
    PEER_N,
    'lines',
    'file',
    (port) => ['nc', '-u', '-q', '1', '127.0.0.1', String(port)],
  ]);

console.log(`clogs-cli benchmark: ${machineLine()}`);
console.log(
  `100-byte lines from a file on stdin or through an OS pipe from cat; ${RUNS} runs, medians${hasNc ? '' : '; nc not installed, left out'}\n`,
);
const rates = new Map<string, number>();
for (const [name, n, mode, input, command] of cases) {
  const rs: Result[] = [];
  for (let i = 0; i < RUNS; i++) rs.push(await measure(mode, n, input, command));
  const perSec = median(rs.map((r) => r.perSec));
  rates.set(name, perSec);
  const worst = Math.max(...rs.map((r) => r.lossPct));
  const codes = [...new Set(rs.map((r) => r.code))].join(',');
  console.log(
    `  ${name.padEnd(50)} ${(perSec / 1000).toFixed(0).padStart(6)}k lines/s  ${median(rs.map((r) => r.cpuUsPerLine)).toFixed(2)} µs CPU/line  worst loss ${worst.toFixed(2)}%  exit ${codes}  (runs ${rs.map((r) => `${(r.perSec / 1000).toFixed(0)}k`).join(' ')})`,
  );
}
const naive = rates.get('cat | naive frame sender → clogs-server')!;
console.log(
  `\n  against the naive frame sender into the same clogs-server: defaults ${(rates.get('cat | clogs-cli → clogs-server')! / naive).toFixed(2)}×, --max-datagram 1432 ${(rates.get('cat | clogs-cli --max-datagram 1432 → clogs-server')! / naive).toFixed(2)}×`,
);
console.log(
  "\nA sender that exits non-zero or loses lines has no rate worth comparing (pino-socket's CLI pipes each stdin read, up to 64 KiB, into one datagram rather than one per line).",
);
