import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClientError } from '../errors.js';

/** The spool folders clients of this process hold (the pid in their lock is this one's). */
const heldHere = new Set<string>();

/** The process is alive (kill 0 probes it; EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the spool folder for this process: a `lock` file holding its pid. Two clients
 * appending to one folder would each delete segments the other still needs, so a lock
 * held by a live process is refused; one left by a dead process (a SIGKILL) is taken over.
 * Returns the release.
 * @throws {ClientError} `ERR_CLIENT_SPOOL` when a live process holds it.
 */
export function lockSpool(dir: string): () => void {
  const path = join(dir, 'lock');
  const key = resolve(path);
  if (heldHere.has(key))
    throw new ClientError('ERR_CLIENT_SPOOL', `spool ${dir} is in use by another client of this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number.parseInt(readFileSync(path, 'latin1'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new ClientError('ERR_CLIENT_SPOOL', `spool ${dir} is in use by process ${pid}`);
      }
      unlinkSync(path);
    }
  }
  heldHere.add(key);
  return () => {
    heldHere.delete(key);
    try {
      unlinkSync(path);
    } catch {
      // Gone already: nothing to release.
    }
  };
}
