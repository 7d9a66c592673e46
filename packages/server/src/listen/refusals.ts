import type { RemoteInfo } from 'node:dgram';
import { Kind, ProtocolError } from '@clogs/protocol';
import { ServerError } from '../errors.js';
import type { ServerCounters } from '../stats.js';
import { WriterRefusal } from '../writer/disk-budget.js';
import { type AuthReason, AuthWarnings } from './auth-warnings.js';

const AUTH_CODES: Partial<Record<string, AuthReason>> = {
  ERR_PROTOCOL_BAD_AUTH: 'bad_tag',
  ERR_PROTOCOL_UNKNOWN_KEY: 'unknown_key',
  ERR_PROTOCOL_AUTH_UNEXPECTED: 'sealed_at_keyless',
  ERR_PROTOCOL_BAD_PEER: 'replayed',
};

/**
 * Counts every refused datagram once, by reason and code (`dropped.*`, `replayed`,
 * `errors`), and has the auth warnings say the refusals an operator must see.
 */
export class Refusals {
  private readonly warnings: AuthWarnings;

  constructor(
    private readonly c: ServerCounters,
    warn: (err: ServerError) => void,
  ) {
    this.warnings = new AuthWarnings(warn);
  }

  /** A datagram the decoder or the record checks refused. Anything else is a bug: rethrown. */
  refused(err: unknown, datagram: Buffer, from: RemoteInfo): void {
    const c = this.c;
    if (err instanceof WriterRefusal) {
      c.dropped[err.reason]++;
      c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
      return;
    }
    if (err instanceof ServerError && err.code === 'ERR_SERVER_BAD_PATH') {
      c.dropped.bad_path++;
      c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
      return;
    }
    if (!(err instanceof ProtocolError)) throw err;
    c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
    const reason =
      err.code === 'ERR_PROTOCOL_AUTH_REQUIRED'
        ? datagram[2] === 1
          ? datagram[3] === Kind.PING
            ? 'v1_ping_at_keyed'
            : 'v1_at_keyed'
          : 'plain_at_keyed'
        : err.code === 'ERR_PROTOCOL_BAD_SUITE' && datagram[5] === 3
          ? 'integrity_only'
          : AUTH_CODES[err.code];
    if (reason === undefined) {
      c.dropped.malformed++;
      return;
    }
    if (reason === 'replayed') c.replayed++;
    else c.dropped.auth++;
    this.warnings.refused(reason, from.address, from.port);
  }

  /** A LOG frame older than its session's window. */
  tooOld(from: RemoteInfo): void {
    this.c.replayed++;
    this.warnings.refused('replayed', from.address, from.port);
  }

  /** Says what the warnings still hold, and stops their timers. */
  close(): void {
    this.warnings.close();
  }
}
