import type { RemoteInfo } from 'node:dgram';
import { type FrameHeader, Suite } from '@clogs/protocol';
import type { Sealed } from '../writer/line-source.js';
import type { Boot } from './boot.js';
import type { Answer } from './replies.js';

/** Where a sealed frame names its session: key_id (4) and salt (16). */
const SESSION_START = 16;
const SESSION_END = 36;

/** A sealed frame's session (key id and salt) as a string key. */
export function sealedSession(msg: Buffer): string {
  return msg.toString('latin1', SESSION_START, SESSION_END);
}

/** Whom a frame's PONG or ACK goes to, sealed with what, grouped with which other ACKs. */
export function answerTo(msg: Buffer, header: FrameHeader, from: RemoteInfo, boot: Boot): Answer {
  const sealed = header.suite !== 0;
  return {
    to: from,
    sender: header.sender,
    version: header.version,
    session: sealed ? boot.session(header.keyId!, header.suite) : undefined,
    peer: sealed ? Buffer.from(header.salt!.subarray(0, 8)) : undefined,
    // Version 1 ACKs go one by one: no group.
    group:
      header.version === 1
        ? ''
        : `${from.address}|${from.port}|${header.sender}|${sealed ? sealedSession(msg) : ''}`,
  };
}

/** How a frame was protected, as an attributed line says it. */
export function sealedMark(header: FrameHeader): Sealed {
  if (header.suite === Suite.CHACHA20_POLY1305 || header.suite === Suite.AES_256_GCM) return 'encrypted';
  return header.authenticated || header.suite === Suite.CHACHA20_POLY1305_AUTH_ONLY ? 'signed' : 'plain';
}
