import { readdirSync } from 'node:fs';
import { makeDirsSync } from '@clogs/protocol';
import { ClientError } from '../errors.js';
import { segmentId } from './segment-format.js';
import type { SegmentSet } from './segment-set.js';
import { lockSpool } from './spool-lock.js';
import type { SpoolStats } from './spool-stats.js';

/** Makes the spool folder if need be and locks it: one client per folder; returns the unlock. */
export function lockFolder(dir: string): () => void {
  return attempt(dir, 'cannot be made', () => {
    makeDirsSync(dir, 0o700);
    return lockSpool(dir);
  });
}

/**
 * Recovers the segments a previous process left in the folder, oldest first (cutting a
 * torn tail), counted in `stats`; returns the id the next segment takes.
 */
export function recoverSegments(dir: string, segments: SegmentSet, stats: SpoolStats): number {
  const ids = attempt(dir, 'cannot be read', () => readdirSync(dir))
    .map(segmentId)
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b);
  for (const id of ids) {
    const found = attempt(dir, 'cannot be read', () => segments.recover(id));
    stats.found += found.records;
    stats.cut += found.cutEntries;
    stats.cutBytes += found.cutBytes;
  }
  return (ids.at(-1) ?? 0) + 1;
}

/** Runs a step of opening the spool; an fs error becomes `ERR_CLIENT_SPOOL` naming the folder. */
export function attempt<T>(dir: string, what: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof ClientError) throw err;
    throw new ClientError('ERR_CLIENT_SPOOL', `spool ${dir} ${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
