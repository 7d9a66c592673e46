import { readFile } from 'node:fs/promises';
import { ServerError } from './errors.js';

/**
 * Reads a key file as version 1 clients do: its bytes, less one trailing newline (LF or
 * CRLF). The server uses it for `--accept-v1` (the HMAC key of version 1 frames); the
 * keys frames are sealed with are read by `@clogs/protocol`'s readKeyFile, which refuses
 * weak keys and files others can read. An empty key is refused.
 */
export async function readKeyFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ServerError('ERR_SERVER_BAD_OPTION', `cannot read key file ${path}`, { cause: err });
  }
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end--;
  if (bytes[end - 1] === 0x0d) end--;
  if (end === 0) throw new ServerError('ERR_SERVER_BAD_OPTION', `key file ${path} is empty`);
  return bytes.subarray(0, end);
}
