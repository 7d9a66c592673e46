import { NO_ACK_RETRY_MS } from './ack-watch.js';
import type { HealthReason, PingTracker } from './ping-tracker.js';

// What a person reads about a server's health: the `down` event's `message` and the
// ERR_CLIENT_NO_ACK warnings. Say what was seen, and what it likely means.

/**
 * Why a server went down: what was seen, and for a server that never answered, the
 * likely causes, a mismatched key among them (a server with another key, or none,
 * drops this client's frames without a word).
 */
export function downMessage(
  reason: HealthReason,
  at: string,
  tracker: Pick<PingTracker, 'misses' | 'rttMs'>,
  /** How this client seals its frames: not at all, encrypted, or integrity only. */
  sealing: 'none' | 'sealed' | 'integrity-only',
): string {
  if (reason === 'refused') return `nothing listens at ${at} (ICMP port unreachable)`;
  const missed = `no answer to ${tracker.misses} pings at ${at}`;
  if (tracker.rttMs !== undefined) return missed;
  const keys =
    sealing === 'none'
      ? 'This client has no key, and a server started with --key-file ignores frames in clear'
      : sealing === 'sealed'
        ? 'This client seals its frames with a key, and a server with another key, or none, ignores them'
        : 'This client seals its frames integrity-only, and a server with another key, none, or that does not allow integrity-only frames ignores them';
  return `${missed}, and none ever: is it running and reachable? ${keys}`;
}

/** At-most-once: the server is sent open-loop (a warning, given once). */
export function openLoopMessage(server: string, silentMs: number): string {
  return `${server} answers pings but sent no ACK for ${Math.round(silentMs)} ms: sending to it open-loop at the pace setting, its losses unseen`;
}

/** At-least-once: the server leaves the continuum (the `down` event, reason `no-ack`). */
export function noAckDownMessage(silentMs: number): string {
  return `answers pings but acknowledged nothing for ${Math.round(silentMs)} ms: at-least-once cannot be kept there; its records go to other servers, and it is tried again in ${NO_ACK_RETRY_MS / 1000} s`;
}

/** Its PONG says it cannot write (the `down` event, reason `cannot-write`). */
export function cannotWriteMessage(at: string): string {
  return `says it cannot write (PONG status CANNOT_WRITE) at ${at}: its records go to the other servers until it is ready again`;
}

/** It answered only a version 1 PING (the `down` event, reason `version`). */
export function versionMessage(at: string): string {
  return `speaks only wire version 1: upgrade clogs-server at ${at}; it is sent nothing until then`;
}
