import { describe, expect, it } from 'vitest';
import { resolvePinoOptions } from '../src/options.js';

describe('redact', () => {
  it("reaches the client's options, patterns included, after the structured clone into pino's worker", () => {
    const options = { servers: ['127.0.0.1:7070'], redact: { pan: false, patterns: [/cvv=\d+/i] } };
    const crossed = structuredClone(options);
    const client = resolvePinoOptions(crossed).client!;
    expect(client.redact).toEqual({ pan: false, patterns: [/cvv=\d+/i] });
    expect(client.redact!.patterns![0]).toBeInstanceOf(RegExp);
  });
});
