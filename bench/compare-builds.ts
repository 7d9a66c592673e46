/**
 * Two builds of this repository, A and B, measured in alternation on one machine: the
 * way to tell a regression from a noisy machine (run-to-run spread here is 10–30%).
 * Each round runs one case on A, then on B, then swaps the order, so drift in the
 * machine's state falls on both. Per case: lines/s (wall, spawn to exit), and CPU time
 * per line of the sender (clogs-cli, user + sys from /usr/bin/time) and of the receiver
 * (clogs-server, from /proc/<pid>/stat): CPU time moves far less than wall time when
 * another process steals a core.
 *
 *   git worktree add /tmp/a <commit> && (cd /tmp/a && pnpm install --frozen-lockfile && pnpm build)
 *   pnpm build && cd bench && node --import tsx compare-builds.ts --a /tmp/a --rounds 8
 *
 * Each checkout's own bench/receiver.ts runs its server (any commit since it took
 * `clogs ack-after-write`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lineFile } from './line-file.js';
import { machineLine, median } from './machine.js';
import { receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: join(import.meta.dirname, '..') },
    rounds: { type: 'string', default: '8' },
    lines: { type: 'string', default: '1000000' },
  },
});
if (values.a === undefined) {
  console.error('usage: compare-builds.ts --a <checkout> [--b <checkout>] [--rounds 8] [--lines 1000000]');
  process.exit(64);
}
if (!existsSync('/usr/bin/time')) {
  console.error(
    "compare-builds needs /usr/bin/time for the sender's CPU time (Debian: apt-get install time)",
  );
  process.exit(1);
}
const TREES = { A: resolve(values.a), B: resolve(values.b) };
const ROUNDS = Number(values.rounds);
const N = Number(values.lines);
for (const t of Object.values(TREES))
  if (!existsSync(join(t, 'packages', 'cli', 'dist', 'bin.js'))) {
    console.error(`${t} is not built: run pnpm install && pnpm build there`);
    process.exit(1);
  }

const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-ab-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const input = lineFile(dir, N);

const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
/** utime + stime of a process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

interface Sample {
  perSec: number;
  senderUs: number;
  serverUs: number;
  perDatagram: number;
}

/** One run: that tree's clogs-server (bench/receiver.ts, ACK after write) and that tree's clogs-cli. */
async function run(tree: string, pipe: boolean, ack: boolean): Promise<Sample> {
  const recv = await receiver('clogs ack-after-write', join(tree, 'bench'));
  const cpu0 = cpuSeconds(recv.pid);
  const cli = [join(tree, 'packages', 'cli', 'bin', 'clogs-cli.js'), '-s', `127.0.0.1:${recv.port} bench`];
  const args = [...cli, '--max-datagram', '8192', '--quiet', ...(ack ? ['--ack'] : [])].map((a) => `'${a}'`);
  const timed = `/usr/bin/time -f '%U %S' -o '${dir}/time' '${process.execPath}' ${args.join(' ')}`;
  const script = pipe ? `cat '${input}' | ${timed}` : `${timed} < '${input}'`;
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-c', script], { stdio: 'inherit' });
  const [code] = (await once(child, 'exit')) as [number];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`clogs-cli in ${tree} exited ${code}`);
  const got = await settle(recv, N);
  if (got.records < N) throw new Error(`${tree}: ${N - got.records} of ${N} lines not received`);
  const serverCpu = cpuSeconds(recv.pid) - cpu0;
  await recv.stop();
  const [user, sys] = readFileSync(join(dir, 'time'), 'utf8')
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .map(Number);
  return {
    perSec: N / seconds,
    senderUs: ((user! + sys!) * 1e6) / N,
    serverUs: (serverCpu * 1e6) / N,
    perDatagram: got.records / got.datagrams,
  };
}

console.log(`compare-builds: ${machineLine()}`);
console.log(
  `A = ${TREES.A}\nB = ${TREES.B}\n${N} lines of 100 B, ${ROUNDS} rounds alternating A/B; medians\n`,
);
const cases: [string, boolean, boolean][] = [
  ['clogs-cli → clogs-server', false, false],
  ['cat | clogs-cli --ack → clogs-server', true, true],
];
for (const [name, pipe, ack] of cases) {
  const got: Record<'A' | 'B', Sample[]> = { A: [], B: [] };
  for (let r = 0; r < ROUNDS; r++)
    for (const side of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const))
      got[side].push(await run(TREES[side], pipe, ack));
  const m = (side: 'A' | 'B', k: keyof Sample) => median(got[side].map((s) => s[k]));
  const pct = (k: keyof Sample) => `${(((m('B', k) - m('A', k)) / m('A', k)) * 100).toFixed(1)}%`;
  console.log(name);
  for (const side of ['A', 'B'] as const)
    console.log(
      `  ${side}: ${(m(side, 'perSec') / 1000).toFixed(0)}k lines/s (runs ${got[side].map((s) => (s.perSec / 1000).toFixed(0)).join(', ')}), sender ${m(side, 'senderUs').toFixed(2)} µs/line, server ${m(side, 'serverUs').toFixed(2)} µs/line, ${m(side, 'perDatagram').toFixed(1)} lines/datagram`,
    );
  console.log(
    `  B vs A: lines/s ${pct('perSec')}, sender CPU ${pct('senderUs')}, server CPU ${pct('serverUs')}\n`,
  );
}
