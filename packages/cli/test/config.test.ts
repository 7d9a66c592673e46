import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLevels } from '@clogs/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliError, readConfig } from '../src/index.js';

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
    ['missing.json', undefined, 'no such file'],
    ['broken.json', '{ "servers": [', /^not JSON/],
    ['list.json', '[]', 'must be an object, not []'],
    ['typo.json', '{ "server": [] }', 'server: unknown key'],
    ['servers.json', '{ "servers": "127.0.0.1:7070" }', 'servers: must be a list, not "127.0.0.1:7070"'],
    ['client.json', '{ "client": { "maxDatagram": 1 } }', 'client.maxDatagram: unknown key'],
    ['nested.json', '{ "client": { "ping": { "intervlMs": 500 } } }', 'client.ping.intervlMs: unknown key'],
    [
      'type.json',
      '{ "client": { "pace": { "bytesPerMs": "fast" } } }',
      'client.pace.bytesPerMs: must be a number, not "fast"',
    ],
    [
      'enum.json',
      '{ "client": { "onFull": "drop" } }',
      `client.onFull: must be 'drop-newest' or 'drop-oldest', not "drop"`,
    ],
    [
      'server.json',
      '{ "servers": ["a:1", { "host": "b", "prot": 2 }] }',
      'servers[1].prot: unknown key; servers[1].port: missing',
    ],
    ['server-type.json', '{ "servers": [7070] }', 'servers[0]: must be a string or an object, not 7070'],
    [
      'level.json',
      '{ "defaults": { "level": true } }',
      'defaults.level: must be a string or a number, not true',
    ],
    [
      'level-name.json',
      '{ "defaults": { "level": "loud", "sysid": "X" }, "client": { "onFull": "drop" } }',
      `defaults.level: must be one of ${describeLevels()}; not "loud"; defaults.sysid: unknown key; ` +
        `client.onFull: must be 'drop-newest' or 'drop-oldest', not "drop"`,
    ],
  ])('refuses %s with a typed error naming the file and the path', async (name, text, why) => {
    const path = text === undefined ? join(dir, name) : await file(name, text);
    const err = await readConfig(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_CLI_BAD_CONFIG' });
    // the words for people, the code once at the end
    expect((err as Error).message).toBe(`${(err as CliError).detail} [ERR_CLI_BAD_CONFIG]`);
    const message = (err as CliError).detail;
    const prefix = `bad config ${path}: `;
    expect(message.slice(0, prefix.length)).toBe(prefix);
    if (typeof why === 'string') expect(message.slice(prefix.length)).toBe(why);
    else expect(message.slice(prefix.length)).toMatch(why);
  });

  it('reports every problem of the file at once, each with its path', async () => {
    const path = await file(
      'many.json',
      JSON.stringify({
        defaults: { sysID: 'X' },
        client: { ping: { intervlMs: 1, failureLimit: '3' } },
        extra: 1,
      }),
    );
    await expect(readConfig(path)).rejects.toThrow(
      `bad config ${path}: defaults.sysID: unknown key; ` +
        'client.ping.intervlMs: unknown key; client.ping.failureLimit: must be a number, not "3"; extra: unknown key',
    );
  });
});
