import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runServerCommand } from '../../../test/support/server-process.js';
import { serverProcess, tempDir } from './helpers.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** The clogs-server commands of the README's sh blocks, continuation lines joined. */
async function readmeCommands(): Promise<{ commands: string[]; comments: string[] }> {
  const text = await readFile(README, 'utf8');
  const commands: string[] = [];
  const comments: string[] = [];
  for (const [, block] of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block!.replace(/\\\n\s*/g, '').split('\n')) {
      if (line.startsWith('clogs-server ')) commands.push(line);
      if (line.startsWith('# clogs-server listening on')) comments.push(line.slice(2));
    }
  }
  return { commands, comments };
}

/** A listening line with what varies from run to run (address, folder, key ids, URL) named. */
function shape(line: string): string {
  return line
    .replace(/udp:\/\/\S+?:\d+/, 'udp://ADDR')
    .replace(/\(keys? [0-9a-f]{8}(, [0-9a-f]{8})*/, '(key ID')
    .replace(/data-dir \S+/, 'data-dir DIR')
    .replace(/http:\/\/\S+\/metrics/, 'URL');
}

async function listeningLine(args: string[]): Promise<string> {
  const { p } = await serverProcess(args, cleanups);
  await p.port();
  return p.stdout.trim();
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

describe("the README's clogs-server examples", () => {
  it('every example with a non-loopback --host gives a key or --insecure (else it exits 64)', async () => {
    const { commands } = await readmeCommands();
    const remote = commands.filter((c) => {
      const host = /--host (\S+)/.exec(c)?.[1];
      return host !== undefined && !LOOPBACK.test(host);
    });
    expect(remote.length, 'examples on a non-loopback address').toBeGreaterThan(0);
    for (const c of remote) expect(c, 'a key or --insecure').toMatch(/--key-file |--insecure/);
  });

  it('every listening line the README shows has the form a real server prints', async () => {
    const dir = await tempDir();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const key = join(dir, 'clogs.key');
    expect((await runServerCommand(['keygen', key])).code).toBe(0);
    const real = new Set(
      await Promise.all(
        [
          [],
          ['--key-file', key],
          ['--metrics', '127.0.0.1:0'],
          ['--key-file', key, '--metrics', '127.0.0.1:0'],
        ].map(async (args) => shape(await listeningLine(args))),
      ),
    );
    const { comments } = await readmeCommands();
    expect(comments.length, 'listening lines in the README').toBeGreaterThan(2);
    for (const c of comments) expect([...real], `the README's ${JSON.stringify(c)}`).toContain(shape(c));
  });
});
