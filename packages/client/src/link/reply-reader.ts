import {
  createAuthKey,
  type DecodeOptions,
  decodeHeader,
  type FrameHeader,
  type FrameKey,
  KeyRing,
  Kind,
  ProtocolError,
  type SealSession,
  Suite,
  VERSION_1,
} from '@clogs/protocol';

/**
 * Reads what servers send this client (PONGs and ACKs), for all its links: one decoder
 * setup and one cache of the servers' session keys. A reply counts only if it is for
 * this client (its `sender`) and, with a key, sealed with the key and bound to this
 * client's session (its `peer` is this client's boot): a reply recorded from another
 * client, or forged, is ignored. Anything that does not decode is ignored too: it is
 * not this client's business, or it is forged.
 */
export class ReplyReader {
  private readonly options: DecodeOptions;
  private readonly boot: Buffer | undefined;

  constructor(
    private readonly sender: number,
    key: FrameKey | undefined,
    session: SealSession | undefined,
  ) {
    this.boot = session?.boot;
    this.options =
      key === undefined
        ? { acceptV1: true }
        : {
            keys: new KeyRing([key], { maxCachedSessions: 1024 }),
            // A version 1 server answers a signed version 1 PING with a signed PONG: that
            // is how the client tells, and reports, a server that must be upgraded.
            v1Key: createAuthKey(key.bytes),
            acceptV1: true,
            allowAuthOnly: session?.suite === Suite.CHACHA20_POLY1305_AUTH_ONLY,
            boot: session?.boot,
          };
  }

  /**
   * The header of a PONG or ACK for this client, verified (a sealed body is decrypted in
   * place in `msg`); undefined for anything else.
   */
  read(msg: Buffer): FrameHeader | undefined {
    let header: FrameHeader;
    try {
      header = decodeHeader(msg, this.options);
    } catch (err) {
      if (err instanceof ProtocolError) return undefined;
      throw err;
    }
    if (header.sender !== this.sender || (header.kind !== Kind.PONG && header.kind !== Kind.ACK))
      return undefined;
    if (header.version === VERSION_1) return header.kind === Kind.PONG ? header : undefined;
    const boot = this.boot;
    if (boot !== undefined && (header.suite === Suite.PLAIN || !boot.equals(header.peer!))) return undefined;
    return header;
  }
}
