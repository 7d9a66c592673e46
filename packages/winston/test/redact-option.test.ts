import { describe, expect, it } from 'vitest';
import { resolveWinstonOptions } from '../src/options.js';

describe('redact', () => {
  it("reaches the client's options", () => {
    const redact = { pan: true, patterns: [/cvv=\d+/] };
    expect(resolveWinstonOptions({ servers: ['127.0.0.1:7070'], redact }).client?.redact).toBe(redact);
  });
});
