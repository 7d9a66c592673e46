/** The two bytes every clogs frame starts with: ASCII "CL". */
export const MAGIC = 0x434c;
/** The wire format version this package reads and writes. */
export const VERSION = 1;

/** Frame kinds (header byte 3). */
export const Kind = {
  LOG: 1,
  PING: 2,
  PONG: 3,
  ACK: 4,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];
/** The kinds that carry no body: PING, PONG and ACK. */
export type ControlKind = typeof Kind.PING | typeof Kind.PONG | typeof Kind.ACK;

/** Header flag bits (header byte 4). Every other bit must be 0. */
export const Flag = {
  /** LOG only: the sender wants an ACK once the server's writer has the records. */
  ACK_WANTED: 0b01,
  /** The datagram ends with a 16-byte HMAC-SHA256 trailer. */
  AUTH: 0b10,
} as const;
export const KNOWN_FLAGS = Flag.ACK_WANTED | Flag.AUTH;

export const HEADER_BYTES = 16;
export const TRAILER_BYTES = 16;
/** Largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
export const MAX_DATAGRAM_BYTES = 65_507;
/**
 * Default frame budget: fits a 1500-byte MTU path over IPv4 or IPv6 with room for
 * tunnel headers (1500 - 40 IPv6 - 8 UDP - 20 spare), so frames are never IP-fragmented.
 */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1_432;

export const SYS_ID_MAX_BYTES = 4;
export const MSG_TYPE_MAX_BYTES = 4;
export const FILE_NAME_MAX_BYTES = 16;
export const RESERVED_MAX_BYTES = 80;
export const HEAD_LEN_MAX = 0xffff;
export const COUNT_MAX = 0xffff;
/**
 * Bytes of a record besides its five variable parts (sys_id, msg_type, file_name,
 * reserved, msg): three str8 length bytes, level 1, time_us 8, head_len 2, the
 * reserved length byte 1, msg_len 4.
 */
export const RECORD_OVERHEAD_BYTES = 19;

/**
 * Largest record a datagram can hold: 65,507 - 16 (header), and 16 less with the
 * AUTH trailer. A larger record can never be sent and is refused when logged.
 */
export function maxRecordBytes(authenticated: boolean): number {
  return MAX_DATAGRAM_BYTES - HEADER_BYTES - (authenticated ? TRAILER_BYTES : 0);
}
