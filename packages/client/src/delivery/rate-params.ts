/** The rate control's sample record, modes and parameters (see rate-control.ts). */
/** What a frame carries from its send to its ACK, for one delivery-rate sample. */
export interface SendSample {
  /** Bytes this link had delivered (seen ACKed) when the frame was sent. */
  delivered: number;
  /** When the last of those was ACKed (or when the link started). */
  deliveredAt: number;
  /** When the frame went out, and when the frame last ACKed before it had gone out. */
  sentAt: number;
  firstSentAt: number;
  /** Nothing else was queued to send: a low rate then is the app's, not the link's. */
  appLimited: boolean;
}

export type RateMode = 'startup' | 'drain' | 'probe-bw' | 'probe-rtt';

/** 2/ln 2: the smallest gain that doubles the sending rate each round trip (BBR's startup). */
export const STARTUP_GAIN = 2.885;
/** Steady state: a round a little faster (finds more room), one a little slower (drains what that queued), six even. */
export const PROBE_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1] as const;
/** The bandwidth estimate is the largest rate seen in this many round trips. */
export const BW_ROUNDS = 10;
/** The RTT floor is the least RTT of this long; past it, a short probe with a tiny window measures it afresh. */
export const MIN_RTT_WINDOW_MS = 10_000;
export const PROBE_RTT_MS = 200;
/**
 * A round trip that lost more than this share of its frames is not random loss but an
 * overflowing queue (startup overshooting a shallow receive buffer): startup ends, and
 * the window is capped below what was in flight. It is well above BBRv2's 2% because
 * at-most-once a lost ACK looks like a lost frame, so random loss each way counts
 * twice: 5% each way (10% seen) stays under it (figures: bench/README.md, Network).
 */
export const LOSS_THRESH = 0.2;
/** A round needs this many frames for its loss rate to mean anything. */
export const LOSS_MIN_FRAMES = 16;
/** The cap after such a round: this share of what was in flight; it grows back 1/8 a round. */
export const LOSS_BACKOFF = 0.85;
/**
 * The round trip the window covers is at least this long. A clogs-server ACKs after
 * the write (by default), so its ACKs come in bursts, one per write cycle, not one per
 * frame: a window of only bandwidth × the loopback RTT floor starves it between
 * writes. 4 ms lies inside the range that measured best (bench/README.md, Client).
 */
export const ACK_CYCLE_MS = 4;
/** A round trip's RTT samples that must all lie above the floor to end startup on delay. */
export const RISE_SAMPLES = 8;
/** How far above the floor that is: an eighth of the floor, within these bounds (RFC 9406's). */
export const RISE_MIN_MS = 4;
export const RISE_MAX_MS = 16;
/** Frames the window never goes below. */
export const MIN_WINDOW_FRAMES = 4;
/**
 * The window before any measurement, paced at the `pace` setting: each doubling of it
 * is one round trip startup does not spend, 400 ms on a 200 ms path, 2 ms on loopback.
 */
export const INITIAL_WINDOW_FRAMES = 64;
