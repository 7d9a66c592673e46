import { isAbsolute, join, relative, sep } from 'node:path';
import { ServerError } from '../errors.js';
import { type DiskBudget, REFUSED } from './disk-budget.js';
import type { FileSink } from './file-sink.js';
import type { Notices } from './notices.js';

/**
 * The files the writer knows, by `<sys_id>/<file_name>`: a name is admitted (allow-list,
 * file bound) before its sink is made, and sinks gone quiet are forgotten past
 * `maxOpenFiles`, so a flood of names costs a lookup each and memory stays bounded.
 */
export class SinkTable {
  private readonly sinks = new Map<string, FileSink>();
  /** Sinks that took a place in the budget for a file not on disk yet. */
  private readonly reserved = new WeakSet<FileSink>();
  // The last sink asked for: consecutive records mostly go to the same file, and the
  // decoder hands back the same string objects for repeated names, so === is enough.
  private lastSys = '';
  private lastFile = '';
  private lastSink: FileSink | undefined;

  constructor(
    private readonly root: string,
    private allowSys: ReadonlySet<string> | undefined,
    private readonly budget: DiskBudget,
    private readonly notices: Notices,
    private readonly make: (dir: string, fileName: string) => FileSink,
  ) {}

  /** Takes only these sys_ids from now on (undefined: every one), files already known included. */
  setAllowSys(allowSys: ReadonlySet<string> | undefined): void {
    this.allowSys = allowSys;
    // The last sink is handed out unchecked: the next record is looked up (and checked) again.
    this.lastSink = undefined;
  }

  get size(): number {
    return this.sinks.size;
  }

  values(): IterableIterator<FileSink> {
    return this.sinks.values();
  }

  keys(): IterableIterator<string> {
    return this.sinks.keys();
  }

  /**
   * The sink of `<sys_id>/<file_name>.log`.
   * @throws {ServerError} `ERR_SERVER_BAD_PATH` for a path outside the data folder;
   * a {@link WriterRefusal} (`ERR_SERVER_SYS_NOT_ALLOWED`, `ERR_SERVER_FILE_LIMIT`)
   * for a record a bound refuses. Once a frame's records all had their sink, asking
   * again for them (the receive path's second pass) never throws.
   */
  get(sysId: string, fileName: string): FileSink {
    if (sysId === this.lastSys && fileName === this.lastFile && this.lastSink !== undefined)
      return this.lastSink;
    // Checked for known files too: the allow-list can change while they are open.
    if (this.allowSys !== undefined && !this.allowSys.has(sysId)) throw REFUSED.sys;
    const key = `${sysId}/${fileName}`;
    let sink = this.sinks.get(key);
    if (sink === undefined) {
      // Admitted before anything is made: a flood of new names costs a lookup each.
      const known = this.budget.has(key);
      if (!known && !this.budget.admit(key)) {
        this.notices.say(
          'ERR_SERVER_FILE_LIMIT',
          '--max-files files are on disk: new file names are refused',
        );
        throw REFUSED.files;
      }
      sink = this.make(join(this.root, sysId), fileName);
      // The protocol's charsets already make leaving the data folder impossible; this
      // check keeps it so if those rules ever change.
      const rel = relative(this.root, sink.path);
      if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).length !== 2) {
        if (!known) this.budget.release(key);
        throw new ServerError('ERR_SERVER_BAD_PATH', `refusing to write outside ${this.root}: ${sink.path}`);
      }
      if (!known) this.reserved.add(sink);
      this.sinks.set(key, sink);
    }
    this.lastSys = sysId;
    this.lastFile = fileName;
    this.lastSink = sink;
    return sink;
  }

  /** Starts writing every partial chunk; past `max` sinks, forgets those gone quiet. */
  flush(max: number): void {
    const evict = this.sinks.size > max;
    for (const [key, sink] of this.sinks) {
      if (evict && sink.quiet) {
        // Nothing of it left in memory: drop it (closing its file), so a stream of
        // ever-new file names cannot grow the map or the open files without bound.
        this.sinks.delete(key);
        if (this.lastSink === sink) this.lastSink = undefined;
        // A name admitted whose file never came to be gives its place back.
        if (this.reserved.has(sink) && !sink.file.created) this.budget.release(key);
        void sink.file.closeHandle();
      } else {
        sink.seal();
      }
    }
  }
}
