import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A live log's name: `<file_name>.log` with file_name's charset and length. A rolled name
 * (`<file_name>.<YYYYmmdd-HHMMSS>.<host>.<pid>.log`) is longer than any live one.
 */
const LIVE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,15}\.log$/;

export function isLiveName(name: string): boolean {
  return LIVE.test(name);
}

/** A file retention may delete: not live, in a `<sys_id>` folder of the data dir. */
export interface RolledFile {
  /** `<dataDir>/<sys_id>` */
  dir: string;
  name: string;
  size: number;
  mtimeMs: number;
}

export interface DiskInventory {
  files: number;
  bytes: number;
  /** `<sys_id>/<file_name>` of each live file (its `.log` left off). */
  live: Set<string>;
  /** Oldest first. */
  rolled: RolledFile[];
}

/**
 * Counts every regular file under the data dir, never following a link: the live logs
 * and the rolled (or otherwise left) files retention may delete, oldest first. Files
 * deeper than `<sys_id>/` are counted but never deleted.
 */
export async function scanDataDir(root: string): Promise<DiskInventory> {
  const inv: DiskInventory = { files: 0, bytes: 0, live: new Set(), rolled: [] };
  await walk(root, 0, inv);
  inv.rolled.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return inv;
}

async function walk(dir: string, depth: number, inv: DiskInventory): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // gone, or not ours to read: nothing of it is counted
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      await walk(path, depth + 1, inv);
      continue;
    }
    if (!e.isFile()) continue;
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined || !st.isFile()) continue;
    inv.files++;
    inv.bytes += st.size;
    if (depth !== 1 || e.name.startsWith('.')) continue;
    if (isLiveName(e.name)) inv.live.add(`${dir.slice(dir.lastIndexOf('/') + 1)}/${e.name.slice(0, -4)}`);
    else inv.rolled.push({ dir, name: e.name, size: st.size, mtimeMs: st.mtimeMs });
  }
}
