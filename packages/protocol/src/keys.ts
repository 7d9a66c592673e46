import { createHmac, randomBytes } from 'node:crypto';
import { constants, type FileHandle, open } from 'node:fs/promises';
import { ProtocolError } from './errors.js';

/** A key that seals version 2 frames: its bytes and its wire id. */
export interface FrameKey {
  /** key_id as on the wire (u32): the first 4 bytes of HMAC-SHA256(key, "clogs key id"). */
  readonly id: number;
  readonly bytes: Buffer;
}

export const MIN_KEY_BYTES = 32;
export const MIN_DISTINCT_KEY_BYTES = 16;
/** What `writeNewKeyFile` writes and `parseKeyFile` reads as hex: 32 bytes. */
const NEW_KEY_BYTES = 32;
const KEY_ID_LABEL = Buffer.from('clogs key id', 'latin1');

/** The key id of key bytes: the first 4 bytes of HMAC-SHA256(key, "clogs key id"), big-endian. */
export function keyIdOf(bytes: Uint8Array): number {
  return createHmac('sha256', bytes).update(KEY_ID_LABEL).digest().readUInt32BE(0);
}

/**
 * A key from its material. Refuses what can be guessed offline from one captured
 * frame: under 32 bytes, or fewer than 16 distinct byte values (a word, a repeated byte).
 * @throws {ProtocolError} `ERR_PROTOCOL_WEAK_KEY`.
 */
export function createFrameKey(material: Uint8Array, source = 'key'): FrameKey {
  if (!(material instanceof Uint8Array)) {
    throw new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', 'key material must be bytes');
  }
  if (material.byteLength < MIN_KEY_BYTES) {
    throw new ProtocolError(
      'ERR_PROTOCOL_WEAK_KEY',
      `${source} is ${material.byteLength} bytes; at least ${MIN_KEY_BYTES} random bytes are needed (keygen writes one)`,
    );
  }
  const seen = new Set<number>(material);
  if (seen.size < MIN_DISTINCT_KEY_BYTES) {
    throw new ProtocolError(
      'ERR_PROTOCOL_WEAK_KEY',
      `${source} has ${seen.size} distinct byte values; random key material has at least ${MIN_DISTINCT_KEY_BYTES} (keygen writes one)`,
    );
  }
  const bytes = Buffer.from(material);
  return { id: keyIdOf(bytes), bytes };
}

const HEX = /^[0-9a-fA-F]+$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const TRAILING_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);

function weakKeyFile(path: string, why: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_WEAK_KEY', `key file ${path} ${why} (make one with keygen)`);
}

/**
 * A key from a key file's content. Trailing whitespace is stripped; hex digits are
 * hex-decoded (64 or more, an even count: fewer are refused as the short key they are);
 * anything else is taken as raw bytes, but other printable text is refused as a passphrase.
 * @throws {ProtocolError} `ERR_PROTOCOL_WEAK_KEY` naming `path`.
 */
export function parseKeyFile(content: Buffer, path: string): FrameKey {
  let end = content.length;
  while (end > 0 && TRAILING_SPACE.has(content[end - 1]!)) end--;
  const body = content.subarray(0, end);
  const text = body.toString('latin1');
  if (text.length === 0) throw weakKeyFile(path, 'is empty: no key in it');
  if (HEX.test(text)) {
    const digits = text.length;
    if (digits % 2 !== 0)
      throw weakKeyFile(path, `holds ${digits} hex digits, an odd count: not whole bytes`);
    if (digits < 2 * MIN_KEY_BYTES) {
      throw weakKeyFile(
        path,
        `holds ${digits} hex digits (${digits / 2} bytes); at least ${2 * MIN_KEY_BYTES} hex digits (${MIN_KEY_BYTES} bytes) are needed`,
      );
    }
    return createFrameKey(Buffer.from(text, 'hex'), `key file ${path}`);
  }
  if (PRINTABLE.test(text)) {
    throw weakKeyFile(path, 'holds text that is not hex digits: a passphrase is not a key');
  }
  return createFrameKey(body, `key file ${path}`);
}

function keyFileError(path: string, what: string, cause: unknown): ProtocolError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new ProtocolError('ERR_PROTOCOL_KEY_FILE', `key file ${path} ${what}${reason}`, { cause });
}

/**
 * Reads a key file as ssh reads a private key: refused when group or others have any
 * access to it (`ERR_PROTOCOL_KEY_FILE_MODE`, naming the file, its mode and the fix),
 * or when it cannot be read (`ERR_PROTOCOL_KEY_FILE`).
 */
export async function readKeyFile(path: string): Promise<FrameKey> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (err) {
    throw keyFileError(path, 'cannot be opened', err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw keyFileError(path, 'is not a regular file', undefined);
    const mode = stat.mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const octal = mode.toString(8).padStart(4, '0');
      throw new ProtocolError(
        'ERR_PROTOCOL_KEY_FILE_MODE',
        `key file ${path} has mode ${octal}: group and others must have no access to a key; run chmod 600 ${path}`,
      );
    }
    let content: Buffer;
    try {
      content = await handle.readFile();
    } catch (err) {
      throw keyFileError(path, 'cannot be read', err);
    }
    return parseKeyFile(content, path);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a fresh random key: 64 hex digits and a newline, in a new file of mode 0600
 * (created exclusively: an existing file is never overwritten, `ERR_PROTOCOL_KEY_FILE`).
 */
export async function writeNewKeyFile(path: string): Promise<FrameKey> {
  let material = randomBytes(NEW_KEY_BYTES);
  // 32 random bytes have under 16 distinct values with odds far below 2^-100; the loop is the proof.
  while (new Set(material).size < MIN_DISTINCT_KEY_BYTES) material = randomBytes(NEW_KEY_BYTES);
  const key = createFrameKey(material);
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw keyFileError(
      path,
      code === 'EEXIST' ? 'exists and is never overwritten' : 'cannot be created',
      err,
    );
  }
  try {
    await handle.writeFile(`${key.bytes.toString('hex')}\n`);
    await handle.sync();
  } catch (err) {
    throw keyFileError(path, 'cannot be written', err);
  } finally {
    await handle.close();
  }
  return key;
}
