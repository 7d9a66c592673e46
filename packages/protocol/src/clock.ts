// performance.timeOrigin + performance.now() gives wall time with sub-millisecond resolution
// for the cost of one call; Date.now() would round every record to the millisecond.
const origin = performance.timeOrigin;

/** Microseconds since the Unix epoch (UTC), as a safe integer: the default `time_us` of a record. */
export function nowUs(): number {
  return Math.floor((origin + performance.now()) * 1000);
}
