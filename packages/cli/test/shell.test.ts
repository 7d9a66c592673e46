import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describeLevels } from '@clogs/protocol';
import { type ClogsServer, createServer } from 'clogs-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src/index.js';
import { tally, until } from './helpers.js';

let dir: string;
let server: ClogsServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-cli-shell-'));
  server = await createServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data') });
});
afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The shell on injected streams: stdin says it is a TTY, so main() opens the shell. */
function shell(argv: string[], historyFile?: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const seen = { out: '', err: '' };
  stdout.setEncoding('utf8').on('data', (s: string) => {
    seen.out += s;
  });
  stderr.setEncoding('utf8').on('data', (s: string) => {
    seen.err += s;
  });
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: {},
    signals: new EventEmitter(),
    version: 't',
    historyFile,
  };
  const exited = main(argv, io);
  /** Types a line and waits until the output holds `expect`. */
  const type = async (line: string, expect: string | RegExp) => {
    const from = seen.out.length;
    stdin.write(`${line}\n`);
    const hit = () =>
      typeof expect === 'string' ? seen.out.includes(expect, from) : expect.test(seen.out.slice(from));
    await until(hit, `"${expect}" after ${line}`);
  };
  return { type, exited, seen, stdin };
}

describe('the shell, driven through injected streams', () => {
  it('sends lines, runs dot-commands, refuses bad lines with a reason and carries on', async () => {
    const spec = `127.0.0.1:${server!.address.port} one`;
    const sh = shell(['-s', spec, '--file', 'sh']);
    await sh.type('.help', '.route <sys> <file>');
    for (const name of ['.servers', '.stats', '.set', '.ping', '.flush', '.ack', '.reload', '.exit']) {
      expect(sh.seen.out).toContain(name);
    }
    await sh.type('PAY1 TXT hello shell', 'clogs PAY1/TXT/sh>');
    await sh.type('bad', 'refused: no msg_type');
    await sh.type('.set file other', 'PAY1/TXT/other>');
    await sh.type('PAY1 XML <x/>', 'PAY1/XML/other>');
    await sh.type('.set level loud', 'level must be one of');
    await sh.type('.route PAY1 other', 'PAY1/other → one');
    await sh.type('.servers', /one\s+127\.0\.0\.1:\d+\s+1\s+up/);
    await sh.type('.nope', 'unknown command .nope (try .help)');
    await sh.type('.flush', 'flushed');
    sh.stdin.write('.exit\n');
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('2 records sent, 1 refused');
    await server!.flush();
    const seen = await tally([join(dir, 'data')]);
    expect([...seen.keys()].sort()).toEqual(['<x/>', 'hello shell']);
  });

  it('.set level takes the level table: names, aliases, any case; refuses the rest listing it', async () => {
    const sh = shell(['-s', `127.0.0.1:${server!.address.port} one`, '--file', 'lv']);
    await sh.type('.help', `levels: ${describeLevels()}`);
    await sh.type('.set level bogus', `  level must be one of ${describeLevels()}; not "bogus"`);
    for (const level of ['trace', 'notice', 'CRIT', 'warning', '2']) {
      const from = sh.seen.out.length;
      await sh.type(`.set level ${level}`, '/TXT/lv>');
      expect(sh.seen.out.slice(from)).not.toContain('must be');
      await sh.type(`LV TXT at ${level}`, 'LV/TXT/lv>');
    }
    // a refused record: the protocol's rule and code, once, not the client's wrapper
    await sh.type('TOOLONG TXT x', '\n');
    expect(sh.seen.out).toContain(
      'refused: sys_id is 7 bytes; at most 4 allowed [ERR_PROTOCOL_FIELD_TOO_LONG]\n',
    );
    expect(sh.seen.out).not.toContain('record refused');
    expect(sh.seen.out).not.toContain('ERR_CLIENT_BAD_RECORD');
    sh.stdin.write('.exit\n');
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('5 records sent, 1 refused');
    await server!.flush();
    const text = await readFile(join(dir, 'data', 'LV', 'lv.log'), 'latin1');
    expect(text.split('\n').map((l) => l.split(' ')[1])).toEqual([
      'TRACE',
      'INFO',
      'FATAL',
      'WARN',
      'DEBUG',
      undefined,
    ]);
  });

  it('.ack on makes records wait for their ACK; the prompt says so', async () => {
    const sh = shell(['-s', `127.0.0.1:${server!.address.port} one`]);
    await sh.type('.ack on', ' ack>');
    await sh.type('ACK TXT acknowledged', ' ack>');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('1 records sent, 1 acked');
  });

  it('keeps its history in a file of mode 0600; an unwritable one is a notice, not an error', async () => {
    const history = join(dir, 'history');
    const sh = shell(['-s', `127.0.0.1:${server!.address.port} one`], history);
    await sh.type('HIS TXT remembered', 'HIS/TXT');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(await readFile(history, 'utf8')).toBe('HIS TXT remembered\n');
    expect((await stat(history)).mode & 0o777).toBe(0o600);

    const broken = shell(
      ['-s', `127.0.0.1:${server!.address.port} one`],
      join(dir, 'no', 'such', 'dir', 'h'),
    );
    await broken.type('HIS TXT still sent', 'history not saved');
    broken.stdin.end();
    expect(await broken.exited).toBe(0);
    expect(broken.seen.err).toContain('1 records sent');
  });
});
