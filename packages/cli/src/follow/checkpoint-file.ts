import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import type { Fingerprint } from './fingerprint.js';

/** Where reading a file resumes: its identity and the offset of the first byte not yet delivered. */
export interface Checkpoint {
  /** The path it was last seen at (for people; a file is known by the fields below). */
  path: string;
  dev: number;
  ino: number;
  fingerprint: Fingerprint;
  /** Every line before this byte is acknowledged (--ack) or sent. */
  offset: number;
}

/** The state file's layout; `version` changes when the layout does. */
interface StateFile {
  version: 1;
  files: readonly Checkpoint[];
}

/**
 * The checkpoints of `--follow`, in one JSON file. A save writes it whole to
 * `<file>.tmp` and renames that over the file: a reader (or a run started after a
 * crash) sees the old state or the new one, never a torn file. A durable save also
 * fsyncs the file before the rename and the folder after it; the others leave the
 * bytes to the kernel, which a killed process cannot lose.
 */
export class CheckpointFile {
  private readonly tmp: string;

  constructor(readonly path: string) {
    this.tmp = `${path}.tmp`;
  }

  /**
   * The checkpoints saved by a previous run, or undefined when there is no state file
   * (a first run).
   * @throws {CliError} `ERR_CLI_NO_INPUT` when the file exists and cannot be read or is not a state file.
   */
  async load(): Promise<Checkpoint[] | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      // No file (or no folder): a first run; whether one can be written is checked next.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new CliError(
        'ERR_CLI_NO_INPUT',
        `state file ${this.path} cannot be read: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    try {
      const state = JSON.parse(text) as StateFile;
      if (state.version !== 1 || !Array.isArray(state.files)) throw new Error('not a clogs-cli state file');
      return state.files.filter(isCheckpoint);
    } catch (err) {
      throw new CliError(
        'ERR_CLI_NO_INPUT',
        `${this.path} is not a clogs-cli --follow state file (${(err as Error).message}); move it away to start afresh`,
        { cause: err },
      );
    }
  }

  /** Replaces the saved checkpoints with `files`; `durable`: on the disk before it resolves. */
  async save(files: readonly Checkpoint[], durable: boolean): Promise<void> {
    const body = `${JSON.stringify({ version: 1, files } satisfies StateFile)}\n`;
    const fh = await open(this.tmp, 'w', 0o600);
    try {
      await fh.writeFile(body);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(this.tmp, this.path);
    if (!durable) return;
    // The rename is durable once the folder's entry is.
    const dir = await open(dirname(this.path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Removes a temporary file a save left when it failed. */
  async discardTemp(): Promise<void> {
    await unlink(this.tmp).catch(() => undefined);
  }
}

function isCheckpoint(c: unknown): c is Checkpoint {
  const k = c as Checkpoint;
  return (
    typeof k === 'object' &&
    k !== null &&
    Number.isSafeInteger(k.dev) &&
    Number.isSafeInteger(k.ino) &&
    Number.isSafeInteger(k.offset) &&
    k.offset >= 0 &&
    typeof k.fingerprint?.hash === 'string' &&
    Number.isSafeInteger(k.fingerprint.length)
  );
}
