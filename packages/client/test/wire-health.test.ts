import { describe, expect, it } from 'vitest';
import { WireHealth } from '../src/health/wire-health.js';

describe('WireHealth: version negotiation and PONG status (no sockets)', () => {
  it('adds a version 1 PING only once a version 2 PING went unanswered, and never after a version 2 PONG', () => {
    const w = new WireHealth();
    expect(w.pingV1()).toBe(false); // the first ping: version 2 alone
    expect(w.pingV1()).toBe(true);
    expect(w.pingV1()).toBe(true);
    expect(w.pong(0)).toBeUndefined();
    expect(w.pingV1()).toBe(false);
  });

  it('a version 1 PONG with no version 2 one ever takes the server out for `version`; a version 2 PONG brings it back', () => {
    const w = new WireHealth();
    expect(w.v1Pong()).toBe('out');
    expect(w.out).toBe('version');
    expect(w.v1Pong()).toBeUndefined(); // said once
    expect(w.pong(0)).toBe('in');
    expect(w.out).toBeUndefined();
    expect(w.v1Pong()).toBeUndefined(); // a version 2 server answering a stray version 1 PING
  });

  it('CANNOT_WRITE (or any status but READY) takes it out for `cannot-write`, READY brings it back', () => {
    const w = new WireHealth();
    expect(w.pong(1)).toBe('out');
    expect(w.out).toBe('cannot-write');
    expect(w.pong(1)).toBeUndefined();
    expect(w.pong(0)).toBe('in');
    expect(w.pong(7)).toBe('out'); // unknown statuses are not ready
    expect(w.out).toBe('cannot-write');
  });
});
