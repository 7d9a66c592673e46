import { hostname } from 'node:os';
import type { AuthKey } from '@clogs/protocol';
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
  /** Largest in-memory buffer a file's lines are appended to (a file starts at 4 KiB). Default 256 KiB. */
  chunkBytes?: number | undefined;
  /** Files kept open at once; the least recently written idle one is closed first. Default 256. */
  maxOpenFiles?: number | undefined;
  /** Receive buffer to ask the kernel for. Default 8 MiB (Linux caps it at net.core.rmem_max). */
  recvBufferBytes?: number | undefined;
  /** Accept only frames with a valid AUTH trailer for this key; without a key, AUTH frames are refused. */
  key?: AuthKey | undefined;
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
  /** LOG seqs remembered per sender for dedupe. Default 4096. */
  dedupeWindow?: number | undefined;
  /** Senders remembered for dedupe. Default 4096. */
  maxSenders?: number | undefined;
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
  recvBufferBytes: number;
  key: AuthKey | undefined;
  maskPan: boolean;
  attribution: boolean;
  ackAfterWrite: boolean;
  dedupeWindow: number;
  maxSenders: number;
  hostname: string;
  faults: Faults;
}

function bad(name: string, rule: string, value: unknown): ServerError {
  return new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be ${rule}, not ${String(value)}`);
}

function int(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw bad(name, `an integer ${min}..${max}`, v);
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

const MAX = Number.MAX_SAFE_INTEGER;

export function resolveOptions(o: ServerOptions = {}): ResolvedOptions {
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') throw bad('host', 'an address', host);
  const dataDir = o.dataDir ?? './clogs-data';
  if (typeof dataDir !== 'string' || dataDir === '') throw bad('dataDir', 'a folder path', dataDir);
  return {
    host,
    port: int('port', o.port, 0, 0, 65_535),
    dataDir,
    flushMs: int('flushMs', o.flushMs, 200, 1, 60_000),
    rollBytes: int('rollBytes', o.rollBytes, 256 * 2 ** 20, 1, MAX),
    maxPendingBytes: int('maxPendingBytes', o.maxPendingBytes, 64 * 2 ** 20, 1, MAX),
    chunkBytes: int('chunkBytes', o.chunkBytes, 256 * 1024, 4096, 2 ** 30),
    maxOpenFiles: int('maxOpenFiles', o.maxOpenFiles, 256, 1, 1_000_000),
    recvBufferBytes: int('recvBufferBytes', o.recvBufferBytes, 8 * 2 ** 20, 4096, 2 ** 31 - 1),
    key: o.key,
    maskPan: o.maskPan ?? false,
    attribution: o.attribution ?? false,
    ackAfterWrite: o.ackAfterWrite ?? true,
    dedupeWindow: int('dedupeWindow', o.dedupeWindow, 4096, 1, 2 ** 20),
    maxSenders: int('maxSenders', o.maxSenders, 4096, 1, 2 ** 20),
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
