import { type KeyObject, randomBytes } from 'node:crypto';
import { Direction, deriveSessionKey, frameNonce, NONCE_BYTES, openInPlace, sealInPlace } from './aead.js';
import {
  BOOT_BYTES,
  KEY_ID_OFFSET,
  Kind,
  MIN_SEALED_FRAME_BYTES,
  PEER_OFFSET,
  PN_OFFSET,
  SALT_BYTES,
  SALT_OFFSET,
} from './constants.js';
import { AuthError, ProtocolError } from './errors.js';
import type { FrameKey } from './keys.js';
import { isSealedSuite, type SealedSuite } from './suite.js';

export interface SealSessionOptions {
  key: FrameKey;
  suite: SealedSuite;
  /** Which side seals: a client seals LOG and PING frames, a server PONG and ACK frames. */
  direction: 'client' | 'server';
  /** The session's salt: 16 random bytes unless given (golden vectors, tests). */
  salt?: Uint8Array | undefined;
  /** The pn of the first frame sealed (default 0; golden vectors, tests). */
  pn?: number | undefined;
}

const TWO_32 = 0x1_0000_0000;

function badArgument(message: string): ProtocolError {
  return new ProtocolError('ERR_PROTOCOL_BAD_ARGUMENT', message);
}

/** The nonce direction of a frame kind: clients send LOG and PING, servers PONG and ACK. */
export function directionOfKind(kind: number): Direction {
  return kind === Kind.LOG || kind === Kind.PING ? Direction.CLIENT : Direction.SERVER;
}

/**
 * One sealer's session: a key, a suite, a salt (so a session key of its own) and the
 * packet number, which only grows, so no (session key, nonce) pair is ever used twice.
 * A client makes one per instance; a server one per boot (or epoch).
 */
export class SealSession {
  readonly key: FrameKey;
  readonly suite: SealedSuite;
  readonly direction: 'client' | 'server';
  readonly salt: Buffer;
  /** The first 8 bytes of the salt: what peers put in `peer` to bind frames to this session. */
  readonly boot: Buffer;
  private readonly sessionKey: KeyObject;
  private readonly directionByte: Direction;
  private readonly nonce = Buffer.alloc(NONCE_BYTES);
  private nextPn: number;

  constructor(options: SealSessionOptions) {
    if (!isSealedSuite(options.suite))
      throw badArgument(`suite must be 1, 2 or 3, not ${String(options.suite)}`);
    if (options.direction !== 'client' && options.direction !== 'server') {
      throw badArgument(`direction must be 'client' or 'server', not ${String(options.direction)}`);
    }
    if (options.salt !== undefined && options.salt.byteLength !== SALT_BYTES) {
      throw badArgument(`salt must be ${SALT_BYTES} bytes`);
    }
    const pn = options.pn ?? 0;
    if (!Number.isSafeInteger(pn) || pn < 0) throw badArgument(`pn must be a safe integer >= 0`);
    this.key = options.key;
    this.suite = options.suite;
    this.direction = options.direction;
    this.directionByte = options.direction === 'client' ? Direction.CLIENT : Direction.SERVER;
    this.salt = options.salt === undefined ? randomBytes(SALT_BYTES) : Buffer.from(options.salt);
    this.boot = this.salt.subarray(0, BOOT_BYTES);
    this.sessionKey = deriveSessionKey(this.key, this.salt, this.suite);
    this.nextPn = pn;
  }

  /** The pn the next sealed frame takes. */
  get pn(): number {
    return this.nextPn;
  }

  /**
   * Seals a frame laid out header (16) | seal block (36, any content) | body | tag room (16):
   * writes the suite (byte 5), key_id, salt, the next pn and `peer`, encrypts the body in
   * place and writes the tag. Each call takes a new pn.
   */
  seal(frame: Buffer, peer: Uint8Array): void {
    this.checkFrame(frame);
    if (peer.byteLength !== BOOT_BYTES) throw badArgument(`peer must be ${BOOT_BYTES} bytes`);
    // 2^53 frames is 28 years at 10 million a second: a session that gets there is replaced.
    if (this.nextPn >= Number.MAX_SAFE_INTEGER) throw badArgument('session used up: make a new SealSession');
    const pn = this.nextPn++;
    frame[5] = this.suite;
    frame.writeUInt32BE(this.key.id, KEY_ID_OFFSET);
    this.salt.copy(frame, SALT_OFFSET);
    frame.writeUInt32BE(Math.floor(pn / TWO_32), PN_OFFSET);
    frame.writeUInt32BE(pn >>> 0, PN_OFFSET + 4);
    frame.set(peer, PEER_OFFSET);
    sealInPlace(frame, this.suite, this.sessionKey, frameNonce(this.nonce, this.directionByte, frame));
  }

  /**
   * Verifies a frame this session sealed and decrypts its body in place, back to the
   * plaintext `seal()` was given (to reseal it for a new peer with a new pn).
   * @throws {AuthError} `ERR_PROTOCOL_BAD_AUTH` when the frame is not one this session sealed intact.
   */
  unseal(frame: Buffer): void {
    this.checkFrame(frame);
    const ours =
      frame[5] === this.suite &&
      frame.readUInt32BE(KEY_ID_OFFSET) === this.key.id &&
      this.salt.equals(frame.subarray(SALT_OFFSET, SALT_OFFSET + SALT_BYTES));
    if (
      !ours ||
      !openInPlace(frame, this.suite, this.sessionKey, frameNonce(this.nonce, this.directionByte, frame))
    ) {
      throw new AuthError('ERR_PROTOCOL_BAD_AUTH', 'not a frame this session sealed, or altered since');
    }
  }

  private checkFrame(frame: Buffer): void {
    if (!Buffer.isBuffer(frame) || frame.length < MIN_SEALED_FRAME_BYTES) {
      throw badArgument(`a frame to seal is a Buffer of at least ${MIN_SEALED_FRAME_BYTES} bytes`);
    }
    const kind = frame[3]!;
    if (kind < Kind.LOG || kind > Kind.ACK || directionOfKind(kind) !== this.directionByte) {
      throw badArgument(`a ${this.direction} session does not seal frames of kind ${frame[3]}`);
    }
  }
}
