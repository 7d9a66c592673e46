import { lstat } from 'node:fs/promises';

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYYmmdd-HHMMSS` in UTC, as in muduo's rolled log names. */
export function rollStamp(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** Host names go into file names: keep them to the file_name charset. */
export function safeHost(host: string): string {
  return host.replace(/[^A-Za-z0-9_.-]/g, '_') || 'host';
}

/**
 * The name a full `<file_name>.log` is renamed to: `<file_name>.<YYYYmmdd-HHMMSS>.<host>.<pid>.log`.
 * Two rolls within one second get `.1`, `.2`, ... before `.log`, so a roll never overwrites.
 * `path(name)` reaches a name in the file's folder (see SafeDir). `from` is the first counter
 * to try: a file rolling again within the same second starts past its last roll's, so a
 * name retention freed is not taken again and names keep sorting in the order of the rolls.
 */
export async function rolledName(
  dir: { path(name: string): string },
  fileName: string,
  date: Date,
  host: string,
  pid: number,
  from = 0,
): Promise<{ name: string; n: number }> {
  const base = `${fileName}.${rollStamp(date)}.${host}.${pid}`;
  for (let n = from; ; n++) {
    const candidate = n === 0 ? `${base}.log` : `${base}.${n}.log`;
    try {
      await lstat(dir.path(candidate));
    } catch {
      return { name: candidate, n };
    }
  }
}
