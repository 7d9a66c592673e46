import { type FrameKey, ProtocolError, readKeyFile, writeNewKeyFile } from '@clogs/protocol';
import { ServerError } from '../errors.js';

/** A key id as the server prints it: 8 lowercase hex digits. */
export function keyIdHex(id: number): string {
  return id.toString(16).padStart(8, '0');
}

/** Why a key file was refused: it cannot be read, or it is not safe to use (mode, weak key, id clash). */
export function keyFileProblem(err: unknown): 'unreadable' | 'unsafe' {
  return err instanceof ProtocolError && err.code === 'ERR_PROTOCOL_KEY_FILE' ? 'unreadable' : 'unsafe';
}

/**
 * Reads the key files a server holds (old and new while clients move): each as
 * `@clogs/protocol`'s readKeyFile does (refusing a file group or others can read, and
 * weak keys). The same key given twice counts once.
 * @throws {ProtocolError} `ERR_PROTOCOL_KEY_FILE`, `ERR_PROTOCOL_KEY_FILE_MODE`,
 *   `ERR_PROTOCOL_WEAK_KEY`, naming the file and why; {ServerError} `ERR_SERVER_KEY` when two
 *   different keys have one id.
 */
export async function readKeyFiles(paths: readonly string[]): Promise<FrameKey[]> {
  const keys = new Map<number, FrameKey>();
  for (const path of paths) {
    const key = await readKeyFile(path);
    const same = keys.get(key.id);
    if (same !== undefined && !same.bytes.equals(key.bytes)) {
      throw new ServerError('ERR_SERVER_KEY', `${path}: another key has the same key id ${keyIdHex(key.id)}`);
    }
    keys.set(key.id, key);
  }
  return [...keys.values()];
}

/**
 * `clogs-server keygen <file>`: writes 32 random bytes as hex, mode 0600, never over an
 * existing file. Resolves with the new key.
 * @throws {ProtocolError} `ERR_PROTOCOL_KEY_FILE` (the file exists or cannot be created).
 */
export function keygen(path: string): Promise<FrameKey> {
  return writeNewKeyFile(path);
}
