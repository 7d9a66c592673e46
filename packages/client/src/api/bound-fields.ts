import { ClientError } from '../errors.js';
import { optionLevel } from '../options.js';
import type { Bindings, RecordOptions } from './log-sink.js';

function text(name: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new ClientError('ERR_CLIENT_BAD_OPTION', `${name} must be a string, not ${String(value)}`);
}

/**
 * Defaults bound once (a child's bindings, a stream's defaults), merged with per-record
 * options without allocating: a record without options gets the bound object itself,
 * one with options gets one reused object, refilled (`log()` keeps no reference to it).
 */
export class BoundFields {
  /** The bound defaults, as `log()` options. Never changed after construction. */
  readonly bound: Readonly<RecordOptions>;
  private readonly scratch: RecordOptions = {};

  /** `bindings` over `base`'s (a nested child): merged here, once. */
  constructor(bindings: Bindings, base?: BoundFields) {
    if (typeof bindings !== 'object' || bindings === null) {
      throw new ClientError('ERR_CLIENT_BAD_OPTION', `bindings must be an object, not ${String(bindings)}`);
    }
    const level = bindings.level === undefined ? undefined : optionLevel(bindings.level, 'bindings');
    const over = base?.bound;
    this.bound = Object.freeze({
      sysId: text('bindings.sysId', bindings.sysId) ?? over?.sysId,
      msgType: text('bindings.msgType', bindings.msgType) ?? over?.msgType,
      fileName: text('bindings.fileName', bindings.fileName) ?? over?.fileName,
      level: level ?? over?.level,
    });
  }

  /** The options to hand `log()`: the bound ones, or `options` over them. */
  apply(options: RecordOptions | undefined): RecordOptions {
    if (options === undefined) return this.bound;
    const s = this.scratch;
    const b = this.bound;
    s.sysId = options.sysId ?? b.sysId;
    s.msgType = options.msgType ?? b.msgType;
    s.fileName = options.fileName ?? b.fileName;
    s.level = options.level ?? b.level;
    s.timeUs = options.timeUs;
    s.headLen = options.headLen;
    s.reserved = options.reserved;
    s.server = options.server;
    return s;
  }
}
