import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createFrameKey,
  KeyRing,
  keyIdOf,
  ProtocolError,
  parseKeyFile,
  readKeyFile,
  writeNewKeyFile,
} from '../src/index.js';
import { specKeyId, TEST_KEY } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'clogs-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<ProtocolError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('createFrameKey', () => {
  it('takes 32 bytes of 16+ distinct values; key id is HMAC-SHA256(key, "clogs key id")[0..4)', () => {
    const key = createFrameKey(TEST_KEY);
    expect(key.id).toBe(specKeyId(TEST_KEY));
    expect(keyIdOf(TEST_KEY)).toBe(key.id);
    expect(key.bytes).toEqual(TEST_KEY);
    expect(key.bytes).not.toBe(TEST_KEY);
  });

  it('refuses short keys and keys of few distinct bytes', () => {
    expect(thrown(() => createFrameKey(TEST_KEY.subarray(0, 31))).code).toBe('ERR_PROTOCOL_WEAK_KEY');
    expect(thrown(() => createFrameKey(Buffer.alloc(64, 7))).code).toBe('ERR_PROTOCOL_WEAK_KEY');
    const fifteen = Buffer.from(Array.from({ length: 64 }, (_, i) => i % 15));
    expect(thrown(() => createFrameKey(fifteen)).message).toContain('15 distinct byte values');
    expect(createFrameKey(Buffer.from(Array.from({ length: 32 }, (_, i) => i % 16))).bytes.length).toBe(32);
  });
});

describe('parseKeyFile', () => {
  const hex = TEST_KEY.toString('hex');

  it('hex-decodes 64+ hex digits of either case, trailing whitespace stripped', () => {
    expect(parseKeyFile(Buffer.from(`${hex}\n`), 'k').bytes).toEqual(TEST_KEY);
    expect(parseKeyFile(Buffer.from(`${hex.toUpperCase()} \r\n\t`), 'k').bytes).toEqual(TEST_KEY);
  });

  it('takes raw bytes as they are', () => {
    const raw = Buffer.from(Array.from({ length: 40 }, (_, i) => 0x80 + i));
    expect(parseKeyFile(raw, 'k').bytes).toEqual(raw);
  });

  it('refuses a passphrase and short hex, naming the file', () => {
    const err = thrown(() =>
      parseKeyFile(Buffer.from('correct horse battery staple, really long one\n'), '/etc/k'),
    );
    expect(err.code).toBe('ERR_PROTOCOL_WEAK_KEY');
    expect(err.message).toContain('/etc/k');
    expect(thrown(() => parseKeyFile(Buffer.from(hex.slice(0, 62)), 'k')).code).toBe('ERR_PROTOCOL_WEAK_KEY');
    expect(thrown(() => parseKeyFile(Buffer.from(`${hex}0`), 'k')).code).toBe('ERR_PROTOCOL_WEAK_KEY');
  });
});

describe('key files', () => {
  it('writeNewKeyFile: 64 hex digits and a newline, mode 0600, read back as the same key', async () => {
    const path = join(dir, 'new.key');
    const key = await writeNewKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const back = await readKeyFile(path);
    expect(back).toEqual(key);
    expect(new Set(key.bytes).size).toBeGreaterThanOrEqual(16);
  });

  it('writeNewKeyFile never overwrites a file', async () => {
    const path = join(dir, 'exists.key');
    writeFileSync(path, 'keep me', { mode: 0o600 });
    const err = await rejection(writeNewKeyFile(path));
    expect(err.code).toBe('ERR_PROTOCOL_KEY_FILE');
    expect(err.message).toContain(path);
    expect(readFileSync(path, 'utf8')).toBe('keep me');
  });

  it('readKeyFile refuses a file group or others can use, naming it, its mode and the fix', async () => {
    const path = join(dir, 'open.key');
    writeFileSync(path, `${TEST_KEY.toString('hex')}\n`);
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o601]) {
      chmodSync(path, mode);
      const err = await rejection(readKeyFile(path));
      expect(err.code).toBe('ERR_PROTOCOL_KEY_FILE_MODE');
      expect(err.message).toContain(path);
      expect(err.message).toContain(`0${mode.toString(8)}`);
      expect(err.message).toContain('chmod 600');
    }
    chmodSync(path, 0o400);
    expect((await readKeyFile(path)).bytes).toEqual(TEST_KEY);
  });

  it('readKeyFile says a missing file or a folder cannot be used', async () => {
    const missing = await rejection(readKeyFile(join(dir, 'missing.key')));
    expect(missing.code).toBe('ERR_PROTOCOL_KEY_FILE');
    expect(missing.message).toContain('missing.key');
    expect((await rejection(readKeyFile(dir))).code).toBe('ERR_PROTOCOL_KEY_FILE');
  });
});

describe('KeyRing', () => {
  it('finds keys by id', () => {
    const a = createFrameKey(TEST_KEY);
    const b = createFrameKey(Buffer.from(TEST_KEY).reverse());
    const ring = new KeyRing([a, b, a]);
    expect(ring.keys).toEqual([a, b]);
    expect(ring.get(b.id)).toBe(b);
    expect(ring.get((a.id ^ 1) >>> 0)).toBeUndefined();
    expect(thrown(() => new KeyRing([])).code).toBe('ERR_PROTOCOL_BAD_ARGUMENT');
  });
});
