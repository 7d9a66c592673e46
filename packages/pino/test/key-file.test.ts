import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePinoOptions } from '../src/options.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-pino-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keyFile: read as the protocol reads a key file', () => {
  it('takes a 0600 key file of 64 hex digits, and passes cipher on to the client', async () => {
    const path = join(dir, 'clogs.key');
    const bytes = randomBytes(32);
    await writeFile(path, `${bytes.toString('hex')}\n`, { mode: 0o600 });
    const o = resolvePinoOptions({ servers: ['127.0.0.1:9'], keyFile: path, cipher: 'aes-256-gcm' });
    const key = o.client!.key as { bytes: Buffer; id: number };
    expect(key.bytes.equals(bytes)).toBe(true);
    expect(o.client!.cipher).toBe('aes-256-gcm');
  });

  it('refuses a key file group or others can read, and a weak key, naming the file', async () => {
    const open = join(dir, 'open.key');
    await writeFile(open, `${randomBytes(32).toString('hex')}\n`, { mode: 0o644 });
    expect(() => resolvePinoOptions({ servers: ['127.0.0.1:9'], keyFile: open })).toThrow(
      expect.objectContaining({
        code: 'ERR_PINO_KEY_FILE',
        message: expect.stringContaining(`key file ${open} has mode 0644`),
      }),
    );
    const weak = join(dir, 'weak.key');
    await writeFile(weak, 'a shared secret\n', { mode: 0o600 });
    expect(() => resolvePinoOptions({ servers: ['127.0.0.1:9'], keyFile: weak })).toThrow(
      expect.objectContaining({
        code: 'ERR_PINO_KEY_FILE',
        message: expect.stringMatching(/passphrase is not a key/),
      }),
    );
  });
});
