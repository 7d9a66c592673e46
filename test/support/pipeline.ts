import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLine } from 'clogs-server';
import { splitLines } from './log-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PRODUCER = fileURLToPath(new URL('./produce-lines.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** clogs-cli run from source as a shell would run it. */
export const cliCommand = (args: string[]) =>
  [process.execPath, '--import', 'tsx', '--conditions=source', CLI, ...args].map(quote).join(' ');

/** The producer process (see produce-lines.mjs) as a shell command. */
export const producerCommand = (args: string[]) => [process.execPath, PRODUCER, ...args].map(quote).join(' ');

export interface ShellRun {
  /** The pid of the last command of the pipeline (clogs-cli), once bash has started it. */
  pid: Promise<number>;
  /** Its exit status as the shell reports it (128 + n for a signal), and its stderr. */
  exited: Promise<{ code: number; stderr: string }>;
  stderr(): string;
}

/**
 * Runs `input | clogs-cli args` (or `clogs-cli args < file`) under bash: a real OS pipe
 * between two processes, as a user types it. `input` is a shell command or `< path`.
 */
export function shellPipeline(input: string, cliArgs: string[]): ShellRun {
  const cli = cliCommand(cliArgs);
  const line = input.startsWith('<') ? `${cli} ${input}` : `${input} | ${cli}`;
  // Job control on: a background job keeps SIGINT (without it, bash makes it ignore SIGINT).
  const script = `set -m; ${line} & echo "cli-pid $!" >&2; wait $!`;
  const child = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let resolvePid: (pid: number) => void;
  const pid = new Promise<number>((resolve) => {
    resolvePid = resolve;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    const m = /cli-pid (\d+)/.exec(stderr);
    if (m) resolvePid(Number(m[1]));
  });
  const exited = new Promise<{ code: number; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
  return { pid, exited, stderr: () => stderr };
}

/** The last line clogs-cli wrote on stderr (its summary). */
export const summaryLine = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('clogs-cli: '))
    .at(-1) ?? '';

/**
 * How often each producer line index 0..n-1 was written under `dirs` (every `.log`
 * file), and how many lines were not the producer's or beyond n.
 */
export async function countProduced(
  dirs: string[],
  n: number,
): Promise<{ counts: Uint8Array; other: number }> {
  const counts = new Uint8Array(n);
  let other = 0;
  for (const dir of dirs) {
    const names = ((await readdir(dir, { recursive: true })) as string[]).filter((f) => f.endsWith('.log'));
    for (const name of names) {
      for (const line of splitLines(await readFile(join(dir, name)))) {
        const msg = parseLine(line)?.msg;
        const i = msg === undefined ? Number.NaN : Number(msg.toString('latin1', 0, 8));
        if (Number.isInteger(i) && i >= 0 && i < n) counts[i] = Math.min(255, counts[i]! + 1);
        else other++;
      }
    }
  }
  return { counts, other };
}

/** Indexes written other than exactly once, at most `limit` of each kind, for a readable failure. */
export function misses(
  counts: Uint8Array,
  limit = 10,
): { missing: number[]; repeated: number[]; missingCount: number } {
  const missing: number[] = [];
  const repeated: number[] = [];
  let missingCount = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) {
      missingCount++;
      if (missing.length < limit) missing.push(i);
    } else if (counts[i]! > 1 && repeated.length < limit) repeated.push(i);
  }
  return { missing, repeated, missingCount };
}

/** Bytes in the producer's `.log` files (`P0`…`P7/cli.log`) under `dirs` so far: how far a run has got. */
export async function producedBytes(dirs: string[]): Promise<number> {
  let total = 0;
  for (const dir of dirs) {
    for (let p = 0; p < 8; p++) {
      total += await stat(join(dir, `P${p}`, 'cli.log')).then(
        (s) => s.size,
        () => 0,
      );
    }
  }
  return total;
}
