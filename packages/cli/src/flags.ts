import type { MetricsAddress } from 'clogs-server';
import type { LineFormat } from './line/parse-line.js';

/** The flags, parsed. */
export interface Flags {
  server: string[];
  /** etcd members (`--etcd`, commas between them): the fleet is read from etcd, not `-s`. */
  etcd?: string;
  cluster?: string;
  /** With https:// etcd members: the CA, the client certificate and key (PEM files). */
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  /** etcd user; the password from `--etcd-password-file` or CLOGS_ETCD_PASSWORD. */
  etcdUser?: string;
  etcdPasswordFile?: string;
  config?: string;
  sys: string;
  type: string;
  file: string;
  level: string;
  ack: boolean;
  /** `--spool DIR`: the client's disk spool (pipe and one-shot modes). */
  spool?: string;
  keyFile?: string;
  cipher?: 'chacha20-poly1305' | 'aes-256-gcm' | 'integrity-only';
  maxDatagram?: number;
  format: LineFormat;
  input: string[];
  keepEmpty: boolean;
  embedded: boolean;
  dataDir: string;
  timeout: number;
  /** With every server down, wait up to --timeout rather than end at that verdict. */
  waitForServers: boolean;
  color: boolean;
  quiet: boolean;
  /** `--follow`: files and patterns to follow (`tail -F`), one record per line. */
  follow: string[];
  /** `--follow`: where the checkpoints are kept. */
  stateFile: string;
  /** `--follow`: where a file without a checkpoint is read from at start. */
  from: 'start' | 'end';
  /** `--follow`: how long a last line without newline waits for one, ms. */
  partialTimeout: number;
  /** What is masked in records and the shell's history; undefined: the client's default (card numbers). */
  redact?: 'pan' | 'none';
  /** `--metrics`: where to serve Prometheus metrics. */
  metrics?: MetricsAddress;
}

/** The flags, and whether each was given on the command line (or is its default). */
export interface CommandLine {
  flags: Flags;
  /** The arguments after the options: one record to send (one-shot mode), or none. */
  words: string[];
  given(flag: keyof Flags): boolean;
}
