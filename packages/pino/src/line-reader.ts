import {
  levelFromName,
  levelFromPino,
  type PinoHead,
  pinoTimeUs,
  type RecordOptions,
  readPinoHead,
} from '@clogs/client';

/**
 * Turns one pino line into a record: its message and per-record options, in objects
 * reused from line to line. A line laid out as pino does by default is read without
 * parsing (level and time lead it); others, and every line when a field of the log
 * object is needed (`fileKey`, `message: 'msg'`), are parsed.
 */
export class LineReader {
  /** The record's options; refilled by each {@link read}. */
  readonly options: RecordOptions = {};
  private readonly head: PinoHead = { level: -1, timeUs: -1 };
  private readonly parse: boolean;

  constructor(
    private readonly fileKey: string | undefined,
    private readonly messageKey: string | undefined,
  ) {
    this.parse = fileKey !== undefined || messageKey !== undefined;
  }

  /** Fills {@link options} for `line` and returns the message to send. */
  read(line: string): string {
    const o = this.options;
    if (!this.parse && readPinoHead(line, this.head)) {
      o.level = levelFromPino(this.head.level);
      o.timeUs = this.head.timeUs < 0 ? undefined : this.head.timeUs;
      return line;
    }
    let obj: Record<string, unknown> | undefined;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null) obj = value as Record<string, unknown>;
    } catch {
      // Not JSON: the line as it is, at the default level.
    }
    o.level = undefined;
    o.timeUs = undefined;
    o.fileName = undefined;
    if (obj === undefined) return line;
    const level = obj['level'];
    if (typeof level === 'number') o.level = levelFromPino(level);
    else if (typeof level === 'string') o.level = levelFromName(level);
    const time = obj['time'];
    const timeUs =
      typeof time === 'number'
        ? pinoTimeUs(String(time))
        : typeof time === 'string'
          ? pinoTimeUs(`"${time}"`)
          : -1;
    if (timeUs >= 0) o.timeUs = timeUs;
    if (this.fileKey !== undefined) {
      const file = obj[this.fileKey];
      if (typeof file === 'string') o.fileName = file;
    }
    if (this.messageKey === undefined) return line;
    const msg = obj[this.messageKey];
    return typeof msg === 'string' ? msg : line;
  }
}
