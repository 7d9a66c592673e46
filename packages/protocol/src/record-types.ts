import type { Level } from './level.js';

/*
 * LOG record, repeated `count` times after the header. str8 = u8 length + bytes.
 *
 * | size | field     | rule                                                       |
 * |-----:|-----------|------------------------------------------------------------|
 * | str8 | sys_id    | 1..4 bytes of [A-Za-z0-9_]                                 |
 * | str8 | msg_type  | 1..4 bytes of [A-Za-z0-9_]                                 |
 * | str8 | file_name | 1..16 bytes of [A-Za-z0-9_.-], not starting with "."       |
 * | 1    | level     | 0 unset, 1 TRACE .. 6 FATAL                                |
 * | 8    | time_us   | µs since the Unix epoch, u64 (high u32, then low u32)      |
 * | 2    | head_len  | bytes of the subsystem's header at the start of msg, <= msg_len |
 * | str8 | reserved  | 0..80 opaque bytes                                         |
 * | 4    | msg_len   | length of msg                                              |
 * | n    | msg       | any bytes                                                  |
 *
 * The records fill the body exactly: no byte left over, none missing.
 */

/** A record as callers hand it to the encoder. Omitted fields take their zero value; `timeUs` is now. */
export interface LogRecordInput {
  /** Subsystem code: 1..4 of `[A-Za-z0-9_]`. */
  sysId: string;
  /** Message type: 1..4 of `[A-Za-z0-9_]` (`TXT`, `XML`, `8583`, ...). */
  msgType: string;
  /** Log file on the server: 1..16 of `[A-Za-z0-9_.-]`, not starting with `.`. */
  fileName: string;
  /** 0 unset (default), 1 TRACE .. 6 FATAL; see {@link Level}. A name is turned into one by {@link parseLevel}. */
  level?: number | undefined;
  /** Microseconds since the Unix epoch; default: now. A safe integer, or a bigint for the full u64 range. */
  timeUs?: number | bigint | undefined;
  /** Length of the subsystem's own header at the start of `msg`; default 0. */
  headLen?: number | undefined;
  /** Up to 80 opaque bytes. */
  reserved?: Uint8Array | undefined;
  /** The message: a string (sent as UTF-8) or bytes. */
  msg: string | Uint8Array;
}

/** A decoded record. `msg` and `reserved` are views into the datagram unless a copy was asked for. */
export interface LogRecord {
  sysId: string;
  msgType: string;
  fileName: string;
  level: Level;
  /**
   * µs since the epoch. Exact up to 2^53 - 1 (the year 2255); larger wire values come
   * out rounded here ({@link RecordCursor.timeUsBigInt} reads them exactly).
   */
  timeUs: number;
  headLen: number;
  reserved: Buffer;
  msg: Buffer;
}

export interface RecordCheckOptions {
  /** Frames will carry version 1's AUTH trailer, which leaves 16 bytes less for the record. */
  authenticated?: boolean | undefined;
  /** Frames will be sealed (version 2), which leaves 52 bytes less for the record. */
  sealed?: boolean | undefined;
}
