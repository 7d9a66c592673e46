/** The two bytes every clogs frame starts with: ASCII "CL". */
export const MAGIC = 0x434c;
/** The wire format version this package writes. */
export const VERSION = 2;
/** The first version, still read (and written for version 1 peers). */
export const VERSION_1 = 1;
/** Every version a receiver reads. */
export const ACCEPTED_VERSIONS: readonly number[] = [VERSION_1, VERSION];

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
  /** Version 1 only: the datagram ends with a 16-byte HMAC-SHA256 trailer. */
  AUTH: 0b10,
} as const;
export const KNOWN_FLAGS = Flag.ACK_WANTED | Flag.AUTH;
/** Version 2 knows only ACK_WANTED: sealing is said by the suite byte. */
export const KNOWN_FLAGS_V2 = Flag.ACK_WANTED;

export const HEADER_BYTES = 16;
/** Version 1's HMAC trailer. */
export const TRAILER_BYTES = 16;

/*
 * Version 2 sealed frame: header (16) | seal block (36) | body | tag (16).
 * Seal block: key_id u32 | salt 16 | pn u64 | peer 8.
 */
export const KEY_ID_OFFSET = 16;
export const SALT_OFFSET = 20;
export const PN_OFFSET = 36;
export const PEER_OFFSET = 44;
export const SEALED_BODY_OFFSET = 52;
export const SEAL_BLOCK_BYTES = 36;
export const TAG_BYTES = 16;
/** What sealing adds to a frame besides the header: the seal block and the tag. */
export const SEALED_OVERHEAD_BYTES = SEAL_BLOCK_BYTES + TAG_BYTES;
export const SALT_BYTES = 16;
/** A session's boot: the first 8 bytes of its salt, what a frame's `peer` names. */
export const BOOT_BYTES = 8;
/** The smallest sealed frame: header, seal block and tag around an empty body. */
export const MIN_SEALED_FRAME_BYTES = HEADER_BYTES + SEALED_OVERHEAD_BYTES;

/** Version 2 PONG body: status u8 | caps u8 | zero u16 | window u32. */
export const PONG_BODY_BYTES = 8;
/** Version 2 ACK range: first u32 | last u32 (inclusive, modulo 2^32). */
export const ACK_RANGE_BYTES = 8;
export const MAX_ACK_RANGES = 8_000;
/** PONG status byte: anything but READY means the server is not ready. */
export const PongStatus = {
  READY: 0,
  CANNOT_WRITE: 1,
} as const;
export type PongStatus = (typeof PongStatus)[keyof typeof PongStatus];
/** Largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). */
export const MAX_DATAGRAM_BYTES = 65_507;
/**
 * Default frame budget: fits a 1500-byte MTU path over IPv4 or IPv6 with room for
 * tunnel headers (1500 - 40 IPv6 - 8 UDP - 20 spare), so frames are never IP-fragmented.
 */
export const DEFAULT_MAX_DATAGRAM_BYTES = 1_432;
/**
 * Default frame budget when every server is on loopback (the embedded server, a local
 * relay): no path MTU to fit there, and each frame's fixed cost (a send, an ACK, a seal)
 * is spread over ~6 times the records of a 1,432-byte frame.
 */
export const LOOPBACK_MAX_DATAGRAM_BYTES = 8_192;

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
 * Largest record a datagram can hold: 65,507 - 16 (header) - what the frame adds
 * besides the header: 0 plain, {@link SEALED_OVERHEAD_BYTES} sealed, or `true` for
 * version 1's AUTH trailer (16). A larger record can never be sent and is refused when logged.
 */
export function maxRecordBytes(overheadBytes: number | boolean): number {
  const overhead = typeof overheadBytes === 'number' ? overheadBytes : overheadBytes ? TRAILER_BYTES : 0;
  return MAX_DATAGRAM_BYTES - HEADER_BYTES - overhead;
}
