import { EventEmitter } from 'node:events';
import { type AuthKey, type LogRecordInput, nowUs, recordByteLength } from '@clogs/protocol';
import { ChildLogger } from '../api/child-logger.js';
import type { Bindings, LogSink, RecordOptions } from '../api/log-sink.js';
import { createLogStream, type LogStream, type LogStreamOptions } from '../api/log-stream.js';
import { closedError, fillRecord, type RecordDefaults, recordLevel } from '../api/record-fields.js';
import { toRecordError } from '../errors.js';
import { type ClientOptions, optionLevel } from '../options.js';

/** A record as the test double kept it: every field as the server would get it. */
export interface TestRecord {
  sysId: string;
  msgType: string;
  fileName: string;
  /** 0 unset, 1 trace … 6 fatal. */
  level: number;
  /** µs since the epoch. */
  timeUs: number | bigint;
  headLen: number;
  reserved: Buffer;
  /** The message as UTF-8 text; `bytes` has it exactly. */
  msg: string;
  bytes: Buffer;
}

export interface TestClientOptions {
  /** As the real client's `defaults`. */
  defaults?: ClientOptions['defaults'];
  /** As the real client's `key`: with one, a record has 16 bytes less room (the AUTH trailer). */
  key?: AuthKey | undefined;
}

/**
 * A stand-in for `ClogsClient` in an app's tests: `log()` runs the same checks (a record
 * the real client refuses, this one refuses with the same `ClientError`) and keeps each
 * record in memory instead of sending it. Hand it where a client goes: `child()`,
 * `stream()`, `@clogs/pino`'s `client` option, `@clogs/winston`'s `client`.
 */
export class TestClient extends EventEmitter implements LogSink {
  private kept: TestRecord[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private refusedCount = 0;
  private readonly defaults: RecordDefaults;
  private readonly authenticated: boolean;

  constructor(options: TestClientOptions = {}) {
    super();
    const d = options.defaults ?? {};
    this.defaults = { sysId: d.sysId, msgType: d.msgType, fileName: d.fileName, level: optionLevel(d.level) };
    this.authenticated = options.key !== undefined;
  }

  /** As `ClogsClient.log()`: throws what it throws; keeps the record; always has room. */
  log(msg: string | Uint8Array, options?: RecordOptions): boolean {
    if (this.closed) throw closedError();
    const rec: LogRecordInput = { sysId: '', msgType: '', fileName: '', msg: '' };
    fillRecord(rec, msg, options, this.defaults);
    try {
      rec.level = recordLevel(options, this.defaults);
      recordByteLength(rec, { authenticated: this.authenticated });
    } catch (err) {
      this.refusedCount++;
      throw toRecordError(err);
    }
    const bytes = Buffer.from(typeof msg === 'string' ? Buffer.from(msg) : msg);
    this.kept.push({
      sysId: rec.sysId,
      msgType: rec.msgType,
      fileName: rec.fileName,
      level: rec.level ?? 0,
      timeUs: rec.timeUs ?? nowUs(),
      headLen: rec.headLen ?? 0,
      reserved: Buffer.from(rec.reserved ?? []),
      msg: bytes.toString(),
      bytes,
    });
    for (const wake of this.waiters) wake();
    return true;
  }

  /** The records kept so far, oldest first (a copy). */
  records(): TestRecord[] {
    return [...this.kept];
  }

  /** Forgets the records kept so far. */
  clear(): void {
    this.kept = [];
  }

  /** Records `log()` refused (it threw). */
  get refused(): number {
    return this.refusedCount;
  }

  /**
   * Resolves with the records once at least `count` are kept; rejects after `timeoutMs`
   * (default 5,000) saying how many came.
   */
  waitFor(count: number, options?: { timeoutMs?: number }): Promise<TestRecord[]> {
    const timeoutMs = options?.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.kept.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.records());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waited ${timeoutMs} ms for ${count} records; ${this.kept.length} came`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Nothing is ever in flight: resolves true. */
  flush(_options?: { timeoutMs?: number }): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** Stops taking records, as the real client's; nothing is ever undelivered. */
  close(_options?: { timeoutMs?: number }): Promise<{ undelivered: number }> {
    this.closed = true;
    return Promise.resolve({ undelivered: 0 });
  }

  child(bindings: Bindings): ChildLogger {
    return new ChildLogger(this, bindings);
  }

  stream(options?: LogStreamOptions): LogStream {
    return createLogStream(this, options);
  }
}

/** A test double for `createClient()`; see {@link TestClient}. */
export function createTestClient(options?: TestClientOptions): TestClient {
  return new TestClient(options);
}
