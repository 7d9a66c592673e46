import { hostname } from 'node:os';
import type { FrameKey } from '@clogs/protocol';
import { ServerError } from './errors.js';
import { safeHost } from './writer/roll-name.js';

/** Faults a test can inject to isolate or degrade a server without killing it. For tests only. */
export interface Faults {
  /** Answer no PING: clients see the server as down while it still receives. */
  silent: boolean;
  /** Drop this fraction (0..1) of LOG frames on arrival, unwritten and unacknowledged. */
  dropFraction: number;
  /** Send every ACK this many milliseconds late. */
  ackDelayMs: number;
  /** Wait this many milliseconds before each write to a file: a slow disk. */
  writeDelayMs: number;
  /** Write LOG frames but never ACK them (answering pings): a minimal v1 server, or a relay that eats ACKs. */
  noAck: boolean;
}

export interface ServerOptions {
  /** Address to listen on; IPv4 or IPv6. Default `127.0.0.1`. */
  host?: string | undefined;
  /** UDP port; 0 (default) picks a free one, reported by `server.address`. */
  port?: number | undefined;
  /** Root folder of the log files. Default `./clogs-data`. */
  dataDir?: string | undefined;
  /** Partial buffers are written at least this often, in ms. Default 200. */
  flushMs?: number | undefined;
  /** Roll a file before a write would take it past this size. Default 256 MiB. */
  rollBytes?: number | undefined;
  /** When more than this many bytes wait for the disk, new LOG frames are dropped (and not ACKed). Default 64 MiB. */
  maxPendingBytes?: number | undefined;
  /** Largest in-memory buffer a file's lines are appended to (a file starts at 1 KiB). Default 256 KiB. */
  chunkBytes?: number | undefined;
  /** Files kept open at once; the least recently written idle one is closed first. Default 256. */
  maxOpenFiles?: number | undefined;
  /**
   * Bytes on disk under the data dir, rolled files included. Near it, the oldest rolled
   * files are deleted; with none left, LOG frames are refused (`dropped.disk_limit`). Default 10 GiB.
   */
  maxTotalBytes?: number | undefined;
  /**
   * Regular files under the data dir. At it, the oldest rolled files are deleted; with
   * none left, records for a new file name are refused (`dropped.file_limit`) while
   * existing files go on. Default 10,000.
   */
  maxFiles?: number | undefined;
  /** Only these sys_ids are written; others are refused (`dropped.sys_not_allowed`). Default: all. */
  allowSys?: readonly string[] | undefined;
  /** Mode of new log files (before the umask). Default 0o640. */
  fileMode?: number | undefined;
  /** Mode of new folders (before the umask). Default 0o750. */
  dirMode?: number | undefined;
  /** Also roll files when the UTC hour or day changes. Default: by size only. */
  rollEvery?: 'hour' | 'day' | undefined;
  /** Receive buffer to ask the kernel for. Default 8 MiB (Linux caps it at net.core.rmem_max). */
  recvBufferBytes?: number | undefined;
  /**
   * The keys frames are sealed with (from `readKeyFile`; old and new while clients move),
   * picked by each frame's key id. With keys, only sealed frames are taken and every
   * reply is sealed; without, sealed frames are refused.
   */
  keys?: readonly FrameKey[] | undefined;
  /** With keys: also take version 1 frames with a valid HMAC trailer (`v1Key`): integrity only, for a migration. Default false. */
  acceptV1?: boolean | undefined;
  /**
   * The version 1 HMAC key `acceptV1` checks and signs with. Default: the first key's
   * bytes. The command line passes the first key file's content as version 1 clients
   * read it (its bytes less one trailing newline: a keygen file's hex text).
   */
  v1Key?: Uint8Array | undefined;
  /** With keys: also take suite 3 (integrity only: the body travels in clear). Default false. */
  allowIntegrityOnly?: boolean | undefined;
  /** Listen on a non-loopback address without a key (frames in clear, forgeable). Default false: refused. */
  insecure?: boolean | undefined;
  /** Mask card numbers after head_len (Luhn-valid, a card brand's prefix and length), keeping the first 6 and last 4 digits. Default false. */
  maskPan?: boolean | undefined;
  /** Write each line's source: the sender's address:port and whether its frame was encrypted, signed or plain. Default false. */
  attribution?: boolean | undefined;
  /**
   * ACK a frame only once its lines are written to their files (default true). False ACKs
   * once they are in the writer's buffer: a little sooner, but a server killed then loses
   * lines it has ACKed (breaking at-least-once), and clients' windows no longer follow the disk.
   */
  ackAfterWrite?: boolean | undefined;
  /** Seqs each session's replay window spans, announced in PONGs. Default 16384. */
  replayWindow?: number | undefined;
  /** Sessions whose windows are kept; one more starts a new epoch. Default 16384. */
  maxSessions?: number | undefined;
  /** Bytes all replay windows may hold together; past it, a new epoch. Default 64 MiB. */
  maxReplayBytes?: number | undefined;
  /** Host name used in rolled file names. Default: this machine's. */
  hostname?: string | undefined;
  /** Faults to start with (tests only); change them later with `setFaults()`. */
  faults?: Partial<Faults> | undefined;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedOptions {
  host: string;
  port: number;
  dataDir: string;
  flushMs: number;
  rollBytes: number;
  maxPendingBytes: number;
  chunkBytes: number;
  maxOpenFiles: number;
  maxTotalBytes: number;
  maxFiles: number;
  allowSys: ReadonlySet<string> | undefined;
  fileMode: number;
  dirMode: number;
  rollEvery: 'hour' | 'day' | undefined;
  recvBufferBytes: number;
  keys: readonly FrameKey[];
  acceptV1: boolean;
  /** Set when acceptV1 is. */
  v1Key: Buffer | undefined;
  allowIntegrityOnly: boolean;
  insecure: boolean;
  maskPan: boolean;
  attribution: boolean;
  ackAfterWrite: boolean;
  replayWindow: number;
  maxSessions: number;
  maxReplayBytes: number;
  hostname: string;
  faults: Faults;
}

export function bad(name: string, rule: string, value: unknown): ServerError {
  return new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

export function int(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    throw bad(name, `an integer ${min}..${max}`, value === undefined ? 'nothing' : JSON.stringify(v));
  return v;
}

export function checkFaults(faults: Partial<Faults>, base: Faults): Faults {
  const next = { ...base, ...faults };
  if (typeof next.silent !== 'boolean') throw bad('faults.silent', 'a boolean', next.silent);
  if (typeof next.noAck !== 'boolean') throw bad('faults.noAck', 'a boolean', next.noAck);
  if (!(next.dropFraction >= 0 && next.dropFraction <= 1))
    throw bad('faults.dropFraction', 'in 0..1', next.dropFraction);
  // Node's timers overflow past 2^31 - 1 ms and fire at once.
  for (const name of ['ackDelayMs', 'writeDelayMs'] as const) {
    const ms = next[name];
    if (!(Number.isInteger(ms) && ms >= 0 && ms <= 2 ** 31 - 1)) {
      throw bad(`faults.${name}`, 'an integer 0..2147483647', ms);
    }
  }
  return next;
}

export const MAX = Number.MAX_SAFE_INTEGER;
export const MAX_FILES = 100_000_000;
const DEFAULT_ROLL_BYTES = 256 * 2 ** 20;
const DEFAULT_MAX_TOTAL_BYTES = 10 * 2 ** 30;
const DEFAULT_MAX_FILES = 10_000;
export const SYS_ID = /^[A-Za-z0-9_]{1,4}$/;

export function allowList(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0) throw bad('allowSys', 'a non-empty list of sys_ids', list);
  for (const sys of list) {
    if (typeof sys !== 'string' || !SYS_ID.test(sys))
      throw bad('allowSys', 'sys_ids (1-4 of A-Za-z0-9_)', sys);
  }
  return new Set(list);
}

export function rollEvery(value: unknown): 'hour' | 'day' | undefined {
  if (value === undefined || value === 'hour' || value === 'day') return value;
  throw bad('rollEvery', '"hour" or "day"', value);
}

function bool(name: string, value: boolean | undefined): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw bad(name, 'a boolean', value);
  return value ?? false;
}

function checkKeys(keys: readonly FrameKey[] | undefined): readonly FrameKey[] {
  if (keys === undefined) return [];
  if (
    !Array.isArray(keys) ||
    !keys.every((k) => Number.isInteger(k?.id) && Buffer.isBuffer(k.bytes) && k.bytes.length >= 32)
  ) {
    throw bad('keys', "an array of FrameKeys (from @clogs/protocol's readKeyFile or createFrameKey)", keys);
  }
  return keys;
}

export function resolveOptions(o: ServerOptions = {}): ResolvedOptions {
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw bad('host', 'an address', host);
  const dataDir = o.dataDir ?? './clogs-data';
  if (typeof dataDir !== 'string' || dataDir === '') throw bad('dataDir', 'a folder path', dataDir);
  const keys = checkKeys(o.keys);
  const acceptV1 = bool('acceptV1', o.acceptV1);
  if (o.v1Key !== undefined && !(o.v1Key instanceof Uint8Array && o.v1Key.byteLength > 0)) {
    throw bad('v1Key', 'non-empty bytes', o.v1Key);
  }
  return {
    host,
    port: int('port', o.port, 0, 0, 65_535),
    dataDir,
    flushMs: int('flushMs', o.flushMs, 200, 1, 60_000),
    rollBytes: int('rollBytes', o.rollBytes, DEFAULT_ROLL_BYTES, 1, MAX),
    maxPendingBytes: int('maxPendingBytes', o.maxPendingBytes, 64 * 2 ** 20, 1, MAX),
    chunkBytes: int('chunkBytes', o.chunkBytes, 256 * 1024, 4096, 2 ** 30),
    maxOpenFiles: int('maxOpenFiles', o.maxOpenFiles, 256, 1, 1_000_000),
    maxTotalBytes: int('maxTotalBytes', o.maxTotalBytes, DEFAULT_MAX_TOTAL_BYTES, 1, MAX),
    maxFiles: int('maxFiles', o.maxFiles, DEFAULT_MAX_FILES, 1, MAX_FILES),
    allowSys: allowList(o.allowSys),
    fileMode: int('fileMode', o.fileMode, 0o640, 0, 0o777),
    dirMode: int('dirMode', o.dirMode, 0o750, 0, 0o777),
    rollEvery: rollEvery(o.rollEvery),
    recvBufferBytes: int('recvBufferBytes', o.recvBufferBytes, 8 * 2 ** 20, 4096, 2 ** 31 - 1),
    keys,
    acceptV1,
    v1Key: acceptV1 ? Buffer.from(o.v1Key ?? keys[0]?.bytes ?? []) : undefined,
    allowIntegrityOnly: bool('allowIntegrityOnly', o.allowIntegrityOnly),
    insecure: bool('insecure', o.insecure),
    maskPan: bool('maskPan', o.maskPan),
    attribution: bool('attribution', o.attribution),
    ackAfterWrite: o.ackAfterWrite ?? true,
    // A PONG announces at least 64; one ACK range must stay below the window.
    replayWindow: int('replayWindow', o.replayWindow, 16_384, 64, 2 ** 20),
    maxSessions: int('maxSessions', o.maxSessions, 16_384, 1, 2 ** 24),
    maxReplayBytes: int('maxReplayBytes', o.maxReplayBytes, 64 * 2 ** 20, 2 ** 16, MAX),
    hostname: safeHost(o.hostname ?? hostname()),
    faults: checkFaults(o.faults ?? {}, {
      silent: false,
      dropFraction: 0,
      ackDelayMs: 0,
      writeDelayMs: 0,
      noAck: false,
    }),
  };
}
