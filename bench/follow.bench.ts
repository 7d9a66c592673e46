/**
 * clogs-cli --follow against pipe mode on the same lines, and beside rsyslog's imfile →
 * omfwd (UDP, a datagram per line) when rsyslogd is installed: lines/s from spawn until
 * the receiver has them all, and the sender's CPU per line (user + system, from the
 * shell's `times`). --follow reads a file that is already written (--from start), so
 * both clogs modes do the same work on the same bytes; it is stopped with SIGTERM once
 * the receiver holds every line. Then --follow --ack under SIGKILLs: lines repeated per
 * kill, and none lost.
 *
 *   pnpm build && pnpm --filter @clogs/bench run bench:follow -- --runs 3
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineFile } from './line-file.js';
import { machineLine, median } from './machine.js';
import { type Mode, type Receiver, receiver, settle } from './receiver-process.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '3' },
    lines: { type: 'string', default: '1000000' },
    kills: { type: 'string', default: '10' },
  },
});
const RUNS = Number(values.runs);
const N = Number(values.lines);
const KILLS = Number(values.kills);
const CLI = join(import.meta.dirname, '..', 'packages', 'cli', 'bin', 'clogs-cli.js');
if (!existsSync(join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'bin.js'))) {
  console.error('clogs-cli is not built: run `pnpm build` first');
  process.exit(1);
}
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => existsSync(p));

const dir = mkdtempSync(join(tmpdir(), 'clogs-bench-follow-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const quote = (x: string) => `'${x.replaceAll("'", "'\\''")}'`;

interface Result {
  perSec: number;
  cpuUsPerLine: number;
  lossPct: number;
}

/**
 * Runs `command` under bash, which prints its children's CPU times (`times`) when the
 * command ends; `stopWhenDone` sends SIGTERM once the receiver has every line (for
 * senders that do not end by themselves).
 */
async function measure(mode: Mode, n: number, command: (port: number) => string, stopWhenDone: boolean) {
  const r = await receiver(mode);
  const base = await r.stats();
  const script = `${command(r.port)} & pid=$!; echo "pid $pid" >&2; wait $pid; times >&2`;
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  let seconds: number;
  if (stopWhenDone) {
    const s = await allIn(r, base.records + n, 300_000);
    seconds = Number(BigInt(s.lastAt) - started) / 1e9;
    const pid = Number(/pid (\d+)/.exec(err)?.[1]);
    process.kill(pid, 'SIGTERM');
    await once(child, 'exit');
  } else {
    await once(child, 'exit');
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  const s = await settle(r, base.records + n);
  await r.stop();
  const times = /\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(err);
  if (times === null) throw new Error(`no CPU times from bash: ${err}`);
  const cpu = Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4]);
  return {
    perSec: n / seconds,
    cpuUsPerLine: (cpu * 1e6) / n,
    lossPct: (100 * (n - (s.records - base.records))) / n,
  } satisfies Result;
}

/**
 * Polls the receiver until it holds `expected` records, or until its count, once moving,
 * has stood still for 2 s (a sender that loses datagrams never gets there), or `ms` pass.
 */
async function allIn(r: Receiver, expected: number, ms: number) {
  const deadline = Date.now() + ms;
  let s = await r.stats();
  const first = s.records;
  let last = s.records;
  let since = Date.now();
  while (s.records < expected && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 20));
    s = await r.stats();
    if (s.records !== last) {
      last = s.records;
      since = Date.now();
    } else if (last > first && Date.now() - since > 2000) break;
  }
  return s;
}

const clogs = (port: number, extra: string[]) =>
  [process.execPath, CLI, '-s', `127.0.0.1:${port} bench`, '--max-datagram', '8192', '--quiet', ...extra]
    .map(quote)
    .join(' ');
let stateN = 0;
const state = () => join(dir, `state-${stateN++}.json`);

/**
 * rsyslogd in the foreground with its own config: imfile reads the file from its start
 * (its state in `work`, saved every 1,000 lines), omfwd sends a datagram per line.
 */
function rsyslog(path: string, workDir?: string, protocol: 'udp' | 'tcp' = 'udp') {
  return (port: number) => {
    const work = workDir ?? mkdtempSync(join(dir, 'rsyslog-'));
    const conf = join(work, 'rsyslog.conf');
    writeFileSync(
      conf,
      `global(workDirectory="${work}")
module(load="imfile")
input(type="imfile" File="${path}" Tag="app" freshStartTail="off" PersistStateInterval="1000")
*.* action(type="omfwd" Target="127.0.0.1" Port="${port}" Protocol="${protocol}" template="RSYSLOG_FileFormat")
`,
    );
    return `${RSYSLOGD} -n -f ${quote(conf)} -i ${quote(join(work, 'pid'))}`;
  };
}

const path = lineFile(dir, N);
const cases: [string, Mode, (port: number) => string, boolean][] = [
  ['clogs-cli < file', 'clogs ack-after-write', (p) => `${clogs(p, [])} < ${quote(path)}`, false],
  [
    'clogs-cli --follow',
    'clogs ack-after-write',
    (p) => clogs(p, ['--follow', path, '--from', 'start', '--state-file', state()]),
    true,
  ],
  [
    'clogs-cli --ack < file',
    'clogs ack-after-write',
    (p) => `${clogs(p, ['--ack'])} < ${quote(path)}`,
    false,
  ],
  [
    'clogs-cli --follow --ack',
    'clogs ack-after-write',
    (p) => clogs(p, ['--ack', '--follow', path, '--from', 'start', '--state-file', state()]),
    true,
  ],
];
if (RSYSLOGD !== undefined) cases.push(['rsyslogd imfile → omfwd', 'lines', rsyslog(path), true]);

console.log(`clogs-cli --follow benchmark: ${machineLine()}`);
console.log(
  `${N} lines of 100 bytes in a file; ${RUNS} runs, medians${RSYSLOGD === undefined ? '; rsyslogd not installed, left out' : ''}\n`,
);
for (const [name, mode, command, stop] of cases) {
  const rs: Result[] = [];
  for (let i = 0; i < RUNS; i++) rs.push(await measure(mode, N, command, stop));
  console.log(
    `  ${name.padEnd(28)} ${(median(rs.map((r) => r.perSec)) / 1000).toFixed(0).padStart(5)}k lines/s  ` +
      `${median(rs.map((r) => r.cpuUsPerLine)).toFixed(2)} µs CPU/line  worst loss ${Math.max(...rs.map((r) => r.lossPct)).toFixed(2)}%`,
  );
}

// SIGKILL at evenly spread moments, started again each time on the same state file.
{
  const r = await receiver('clogs ack-after-write');
  const base = await r.stats();
  const stateFile = state();
  const cmd = clogs(r.port, ['--ack', '--follow', path, '--from', 'start', '--state-file', stateFile]);
  for (let k = 0; k <= KILLS; k++) {
    const child = spawn('bash', ['-c', `exec ${cmd}`], { stdio: 'ignore' });
    if (k === KILLS) {
      await allIn(r, base.records + N, 300_000);
      child.kill('SIGTERM');
      await once(child, 'exit');
      break;
    }
    const target = base.records + Math.floor(((k + 1) * N) / (KILLS + 1));
    await allIn(r, target, 120_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  const s = await settle(r, base.records + N);
  await r.stop();
  const got = s.records - base.records;
  console.log(
    `\n  --follow --ack, ${KILLS} × SIGKILL: ${got} records at the server for ${N} lines, ` +
      `${got - N} more (${((got - N) / KILLS).toFixed(0)} per kill; the tests check line by line that none is lost)`,
  );
}

// rsyslogd the same way, its state saved every 1,000 lines, over UDP (as above) and over
// TCP (no loss at the counter to hide its repeats); the counter tells repeats from losses.
for (const protocol of RSYSLOGD === undefined ? [] : (['udp', 'tcp'] as const)) {
  const r = await receiver(protocol === 'udp' ? 'lines' : 'tcp');
  const work = mkdtempSync(join(dir, `rsyslog-kill-${protocol}-`));
  const cmd = rsyslog(path, work, protocol)(r.port);
  for (let k = 0; k <= KILLS; k++) {
    const child = spawn('bash', ['-c', `exec ${cmd}`], { stdio: 'ignore' });
    if (k === KILLS) {
      await allIn(r, N, 300_000);
      child.kill('SIGTERM');
      await once(child, 'exit');
      break;
    }
    await allIn(r, Math.floor(((k + 1) * N) / (KILLS + 1)), 120_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  const s = await settle(r, N);
  await r.stop();
  const distinct = s.distinct ?? 0;
  console.log(
    `  rsyslogd → ${protocol.toUpperCase()}, ${KILLS} × SIGKILL: ${s.records} lines at the counter for ${N}, ${distinct} distinct: ` +
      `${s.records - distinct} repeated (${((s.records - distinct) / KILLS).toFixed(0)} per kill), ${N - distinct} lost`,
  );
}
