import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-cli-config-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const file = async (name: string, text: string) => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

describe('readConfig', () => {
  it('reads servers, defaults and client options', async () => {
    const path = await file(
      'good.json',
      JSON.stringify({
        servers: ['127.0.0.1:7070 a', { host: '127.0.0.1', port: 7071 }],
        defaults: { sysId: 'PAY1', fileName: 'trade' },
        client: { maxDatagramBytes: 8192, delivery: 'at-least-once' },
      }),
    );
    expect(await readConfig(path)).toMatchObject({
      defaults: { sysId: 'PAY1' },
      client: { maxDatagramBytes: 8192 },
    });
  });

  it.each([
    ['missing.json', undefined, /no such file/],
    ['broken.json', '{ "servers": [', /not JSON/],
    ['list.json', '[]', /must be an object/],
    ['typo.json', '{ "server": [] }', /unknown key server/],
    ['servers.json', '{ "servers": "127.0.0.1:7070" }', /servers must be a list/],
    ['client.json', '{ "client": { "maxDatagram": 1 } }', /unknown key client.maxDatagram/],
  ])('refuses %s with a typed error naming the file', async (name, text, why) => {
    const path = text === undefined ? join(dir, name) : await file(name, text);
    const err = await readConfig(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CLI_BAD_CONFIG' });
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(why);
  });
});
