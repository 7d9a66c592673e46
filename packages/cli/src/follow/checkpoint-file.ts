import { closeSync, fdatasync, fstatSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { readFile, stat, unlink } from 'node:fs/promises';
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

/** The state file's size is a multiple of this: a save of one page is one page copy (atomic to a kill). */
const PAGE_BYTES = 4096;
const SPACE = 0x20;

/**
 * The checkpoints of `--follow`, in one JSON file padded with spaces to a whole number of
 * pages. It is made (and remade when the checkpoints outgrow it) by a write to
 * `<file>.tmp`, fsynced and renamed over the file, the folder fsynced. In between, a save
 * of one page overwrites it in place: one write at offset 0, a few µs, so the checkpoints
 * can move each time a mark settles; a process killed mid-save leaves the old page or
 * the new one (a page is copied whole). A state of several pages is renamed in whole
 * each time instead. Saves reach the disk with {@link sync}, at most a second apart and
 * at the end.
 */
export class CheckpointFile {
  private readonly tmp: string;
  private fd: number | undefined;
  /** The file's size: the page-rounded room a save fills. */
  private room = 0;
  private page = Buffer.alloc(0);
  /** Saved in place since the last {@link sync}. */
  private dirty = false;

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
        `state file ${this.path} is not a clogs-cli --follow state file (${(err as Error).message}); move it away to start afresh`,
        { cause: err },
      );
    }
  }

  /**
   * Replaces the saved checkpoints with `files`: in place, or by a new file when they
   * outgrow the one there is, or it was removed or replaced meanwhile.
   */
  save(files: readonly Checkpoint[]): void {
    const body = `${JSON.stringify({ version: 1, files } satisfies StateFile)}\n`;
    const length = Buffer.byteLength(body);
    if (this.fd === undefined || length > this.room) {
      this.remake(body, length, true);
      return;
    }
    if (this.room > PAGE_BYTES) {
      // Pages are copied one by one: a kill could tear a save of several in place.
      this.remake(body, length, false);
      this.dirty = true;
      return;
    }
    this.page.write(body, 0);
    this.page.fill(SPACE, length, this.room - 1);
    writeSync(this.fd, this.page, 0, this.room, 0);
    this.dirty = true;
  }

  /**
   * Puts the in-place saves on the disk. A state file removed or replaced meanwhile (its
   * folder too) is made again: a save that cannot is an error, not a save into a file
   * nobody will read.
   */
  async sync(): Promise<void> {
    if (this.fd === undefined) return;
    const fd = this.fd;
    const here = await stat(this.path).catch(() => undefined);
    const ours = fstatSync(fd);
    if (here === undefined || here.ino !== ours.ino || here.dev !== ours.dev) {
      const text = this.page.toString('utf8', 0, this.room).trimEnd();
      this.remake(`${text}\n`, Buffer.byteLength(text) + 1, true);
      return;
    }
    if (!this.dirty) return;
    this.dirty = false;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Syncs, then closes the file. */
  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** Removes a temporary file a save left when it failed. */
  async discardTemp(): Promise<void> {
    await unlink(this.tmp).catch(() => undefined);
  }

  /**
   * A new file (of `length` bytes of JSON, padded) replaces the state file, and is saved
   * into from now on; `durable`: fsynced, its folder too, before this returns.
   */
  private remake(body: string, length: number, durable: boolean): void {
    const room = Math.ceil((length + 1) / PAGE_BYTES) * PAGE_BYTES;
    const page = Buffer.alloc(room, SPACE);
    page.write(body, 0);
    page[room - 1] = 0x0a;
    const tmp = openSync(this.tmp, 'w', 0o600);
    try {
      writeSync(tmp, page, 0, room, 0);
      if (durable) fsyncSync(tmp);
    } finally {
      closeSync(tmp);
    }
    renameSync(this.tmp, this.path);
    if (durable) {
      // The rename is durable once the folder's entry is.
      const dir = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.path, 'r+');
    this.room = room;
    this.page = page;
    this.dirty = false;
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
