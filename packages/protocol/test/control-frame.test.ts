import { describe, expect, it } from 'vitest';
import {
  ControlFrameEncoder,
  decodeFrame,
  encodeControlFrame,
  Kind,
  type ProtocolError,
} from '../src/index.js';
import { FrameBuilder } from './support.js';

describe('control frames', () => {
  it('match a hand-built header for PING, PONG and ACK', () => {
    for (const kind of [Kind.PING, Kind.PONG, Kind.ACK] as const) {
      const want = new FrameBuilder().header(kind, 0, 0, 0xabcdef01, 0xfffffffe).build();
      expect(encodeControlFrame(kind, 0xabcdef01, 0xfffffffe)).toEqual(want);
    }
  });

  it('reuse one buffer per encoder, rewriting only sender and seq', () => {
    const enc = new ControlFrameEncoder(Kind.PONG);
    const a = enc.encode(1, 8);
    const b = enc.encode(2, 10);
    expect(b).toBe(a);
    expect(decodeFrame(b)).toMatchObject({ kind: Kind.PONG, sender: 2, seq: 10 });
  });

  it('sign with a key and verify against it', () => {
    const key = Buffer.from('secret');
    const enc = new ControlFrameEncoder(Kind.PING, key);
    const frame = Buffer.from(enc.encode(5, 7));
    expect(frame.length).toBe(32);
    expect(decodeFrame(frame, { key })).toMatchObject({ kind: Kind.PING, seq: 7, authenticated: true });
    // a second encode re-signs: the trailer follows the new seq
    expect(decodeFrame(enc.encode(5, 9), { key })).toMatchObject({ seq: 9, authenticated: true });
  });

  it('refuse LOG and out-of-range ids', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as ProtocolError).code;
      }
      return 'none';
    };
    expect(code(() => encodeControlFrame(Kind.LOG as never, 1, 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodeControlFrame(Kind.PING, 1, -1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
    expect(code(() => encodeControlFrame(Kind.PING, 1.5, 1))).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });
});
