import type { AuthKey } from './auth.js';
import type { Kind } from './constants.js';
import type { KeyRing } from './key-ring.js';
import type { Suite } from './suite.js';

/** What a receiver holds and accepts. */
export interface DecodeOptions {
  /**
   * The keys sealed frames are opened with (by key id). With keys, plain frames are
   * refused (`ERR_PROTOCOL_AUTH_REQUIRED`), and version 1 frames too unless `acceptV1`.
   * Without, sealed frames are refused (`ERR_PROTOCOL_AUTH_UNEXPECTED`) unless `allowUnverified`.
   */
  keys?: KeyRing | undefined;
  /**
   * The version 1 HMAC key: version 1 frames must carry its valid AUTH trailer. With
   * `keys` and `acceptV1` and no `v1Key`, the trailer may be made with any of the keys.
   */
  v1Key?: AuthKey | undefined;
  /** @deprecated the name `v1Key` had before version 2; the same option. */
  key?: AuthKey | undefined;
  /** With `keys`: accept version 1 frames (integrity only, with their HMAC trailer) for a migration. */
  acceptV1?: boolean | undefined;
  /** Accept suite 3 (integrity only, body in clear); refused with `ERR_PROTOCOL_BAD_SUITE` otherwise. */
  allowAuthOnly?: boolean | undefined;
  /**
   * This receiver's boot (the first 8 bytes of its session's salt): a sealed LOG, PONG
   * or ACK must carry it as `peer`, or is refused with `ERR_PROTOCOL_BAD_PEER`.
   */
  boot?: Uint8Array | undefined;
  /**
   * Without keys: accept version 1 AUTH frames and sealed frames without checking them
   * (tools, dumps, a client reading back its own unsent frames). A sealed body stays as
   * it came (ciphertext for suites 1 and 2).
   */
  allowUnverified?: boolean | undefined;
}

/** A decoded, checked frame header. */
export interface FrameHeader {
  version: 1 | 2;
  kind: Kind;
  flags: number;
  count: number;
  sender: number;
  seq: number;
  /** The LOG frame asks for an ACK. */
  ackWanted: boolean;
  /** The version 1 trailer or the version 2 tag verified against a key. */
  authenticated: boolean;
  /** 0 plain (and every version 1 frame); 1..3 sealed. */
  suite: Suite;
  /** Sealed only: the key id. */
  keyId: number | undefined;
  /** Sealed only: the sealer's salt, a view of 16 bytes into the datagram. */
  salt: Buffer | undefined;
  /** Sealed only: the packet number (exact below 2^53). */
  pn: number | undefined;
  /** Sealed only: the boot the frame is bound to, a view of 8 bytes. */
  peer: Buffer | undefined;
  /** Sealed only: the tag, a view of 16 bytes. */
  tag: Buffer | undefined;
  /** Where the body starts: 16, or 52 sealed. */
  bodyStart: number;
  /** Where the body ends: before the trailer or tag, else the datagram length. */
  bodyEnd: number;
}
