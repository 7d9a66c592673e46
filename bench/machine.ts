import { cpus, loadavg, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on: figures mean nothing without it. */
export function machineLine(): string {
  const cpu = cpus();
  return `node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** The load averages (1, 5, 15 min) as uptime prints them: on a shared machine, part of every figure. */
export function loadLine(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
