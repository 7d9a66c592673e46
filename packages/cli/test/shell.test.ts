import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeLevels } from '@clogs/protocol';
import { createServer } from 'clogs-server';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FAST_PING, shell, tally, useServer } from './helpers.js';

const local = useServer('clogs-cli-shell-');

/**
 * Waits for the server to take `n` records. The shell sends at-most-once: its exit means
 * the frames are handed to the network, and the last may still wait in the server's socket.
 */
async function received(n: number): Promise<void> {
  await vi.waitFor(() => expect(local.server!.stats().records, 'records the server took').toBe(n));
}
let spec: string;
beforeEach(async () => {
  spec = await local.start();
});

describe('the shell, driven through injected streams', () => {
  it('sends lines, runs dot-commands, refuses bad lines with a reason and carries on', async () => {
    const sh = shell(['-s', spec, '--file', 'sh']);
    await sh.type('.help', '.route <sys> <file>');
    for (const name of ['.servers', '.stats', '.set', '.ping', '.flush', '.ack', '.reload', '.exit']) {
      expect(sh.seen.out).toContain(name);
    }
    await sh.type('PAY1 TXT hello shell', 'clogs PAY1/TXT/sh>');
    // blank lines: skipped and counted, as in pipe mode
    await sh.type('', 'clogs PAY1/TXT/sh>');
    await sh.type(' \t ', 'clogs PAY1/TXT/sh>');
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
    expect(sh.seen.err).toContain('2 records sent, 1 refused (1 no-msg-type), 2 blank skipped');
    await received(2);
    await local.server!.flush();
    const seen = await tally([join(local.dir, 'data')]);
    expect([...seen.keys()].sort()).toEqual(['<x/>', 'hello shell']);
  });

  it('.set level takes the level table: names, aliases, any case; refuses the rest listing it', async () => {
    const sh = shell(['-s', spec, '--file', 'lv']);
    await sh.type('.help', `levels: ${describeLevels()}`);
    await sh.type(
      '.set level bogus',
      `  level not set: level must be one of ${describeLevels()}; not "bogus" [ERR_PROTOCOL_BAD_LEVEL]\n`,
    );
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
    await received(5);
    await local.server!.flush();
    const text = await readFile(join(local.dir, 'data', 'LV', 'lv.log'), 'latin1');
    expect(text.split('\n').map((l) => l.split(' ')[1])).toEqual([
      'TRACE',
      'INFO',
      'FATAL',
      'WARN',
      'DEBUG',
      undefined,
    ]);
  });

  it('a refused line or setting changes nothing; .set and .route check with the checks log() runs, and say why', async () => {
    const sh = shell(['-s', spec, '--file', 'sh']);
    await sh.type('PAY1 TXT first', 'PAY1/TXT/sh>');
    // not a sys_id in upper case: refused, and the prompt keeps PAY1/TXT
    const refused = await sh.type('hello world and more', 'PAY1/TXT/sh>');
    expect(refused).toContain('refused: "hello world" is not a sys_id and msg_type');
    // a 7-byte one: the wire format's rule
    expect(await sh.type('TOOLONG TXT more', 'PAY1/TXT/sh>')).toContain('refused: sys_id is 7 bytes');
    const file = await sh.type('.set file ../etc', 'PAY1/TXT/sh>');
    expect(file).toContain('file not set: file_name may only contain');
    const dot = await sh.type('.set file .hidden', 'PAY1/TXT/sh>');
    expect(dot).toContain('file not set: file_name must not start with "."');
    const sys = await sh.type('.set sys TOOLONG', 'PAY1/TXT/sh>');
    expect(sys).toMatch(/sys not set: sys_id .*7/);
    await sh.type('.set type XML', 'PAY1/XML/sh>');
    const route = await sh.type('.route PAY1/app', 'PAY1/XML/sh>');
    expect(route).toMatch(/not a log file: sys_id .*\(usage: \.route <sys> <file>\)/);
    expect(route).not.toContain('→');
    await sh.type('.route PAY1 app', 'PAY1/app → one');
    await sh.type('PAY1 TXT second', 'PAY1/TXT/sh>');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('2 records sent, 2 refused (1 not-fields, 1 bad-sys-id)');
  });

  it('.ack on makes records wait for their ACK; the prompt says so; the counts go on across the switch', async () => {
    const sh = shell(['-s', spec]);
    await sh.type('ACK TXT before, at most once', 'ACK/TXT');
    await sh.type('.flush', 'flushed');
    await sh.type('.ack on', ' ack>');
    await sh.type('ACK TXT acknowledged', ' ack>');
    // with ack, .flush waits for the ACK: the counts below are final
    await sh.type('.flush', 'flushed');
    await sh.type('.stats', /2 accepted, 2 sent, 1 acked, 0 refused/);
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('2 records sent, 1 acked, 0 refused');
  });

  it('.stats counts refused lines as the exit summary does, those the line parser refused too, across .ack', async () => {
    const sh = shell(['-s', spec]);
    await sh.type('ST TXT sent', 'ST/TXT');
    await sh.type('oops', 'refused: no msg_type');
    await sh.type('.ack on', ' ack>');
    await sh.type('TOOLONG TXT x', 'refused: sys_id');
    await sh.type('.flush', 'flushed');
    await sh.type('.stats', /^ {2}1 accepted, 1 sent, 0 acked, 2 refused, /);
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('1 record sent, 0 acked, 2 refused (1 no-msg-type, 1 bad-sys-id)');
  });

  it('counts a re-routed record once in its exit summary', async () => {
    // A server that answers pings but never ACKs: with --ack it is taken out and what it
    // was sent goes again to the other, counted by the client as sent twice.
    const deaf = await createServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: join(local.dir, 'deaf'),
      faults: { noAck: true },
    });
    try {
      const sh = shell(['-s', spec, '-s', `127.0.0.1:${deaf.address.port} deaf`, '-c', FAST_PING, '--ack']);
      const sysIds = Array.from({ length: 20 }, (_, i) => `S${i}`);
      for (const sys of sysIds) await sh.type(`${sys} TXT to whichever owns it`, `${sys}/TXT`);
      sh.stdin.end();
      expect(await sh.exited).toBe(0);
      // Some went to the deaf server first: the test is void without a re-route.
      expect(deaf.stats().records).toBeGreaterThan(0);
      expect(sh.seen.err).toContain('20 records sent, 20 acked, 0 refused');
    } finally {
      await deaf.close();
    }
  });

  it('keeps its history in a file of mode 0600; an unwritable one is a notice, not an error', async () => {
    const history = join(local.dir, 'history');
    const sh = shell(['-s', spec], history);
    await sh.type('HIS TXT remembered', 'HIS/TXT');
    await sh.type('HIS TXT other', 'HIS/TXT');
    await sh.type('HIS TXT remembered', 'HIS/TXT');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    // each line once in the file, at its newest use
    expect(await readFile(history, 'utf8')).toBe('HIS TXT other\nHIS TXT remembered\n');
    expect((await stat(history)).mode & 0o777).toBe(0o600);

    const broken = shell(['-s', spec], join(local.dir, 'no', 'such', 'local.dir', 'h'));
    await broken.type('HIS TXT still sent', 'history not saved');
    broken.stdin.end();
    expect(await broken.exited).toBe(0);
    expect(broken.seen.err).toContain('1 record sent');
  });

  it('does what is typed: a line that does not start with sys_id and msg_type is refused saying how to send it; .format raw sends it with .set sys/type/file; .set file takes a name', async () => {
    const sh = shell(['-s', spec]);
    const doubt = await sh.type('just a message', 'CLI/TXT/cli>');
    expect(doubt).toContain(
      'refused: "just a" is not a sys_id and msg_type (upper case, as PAY1 TXT): .format raw sends each line as the message, as CLI/TXT/cli\n',
    );
    // in the clogs format .set sys says a line names its own
    expect(await sh.type('.set sys OPS', 'OPS/TXT/cli>')).toContain(
      'sys OPS: for raw lines; a clogs line names its own sys_id and msg_type',
    );
    // what the prompt shows is taken as meant, in any case
    await sh.type('.set type note', 'OPS/note/cli>');
    await sh.type('OPS note lower-case msg_type, as set', 'OPS/note/cli>');
    await sh.type('.set type TXT', 'OPS/TXT/cli>');
    expect(await sh.type('.format raw', 'OPS/TXT/cli raw>')).toContain(
      'raw: each line is the message, sent as OPS/TXT/cli',
    );
    expect(await sh.type('.set file deploys.log', 'OPS/TXT/deploys raw>')).toContain(
      'file deploys: records go to OPS/deploys.log',
    );
    await sh.type('just a message', 'OPS/TXT/deploys raw>');
    await sh.type('.help', '.format clogs|raw');
    expect(sh.seen.out).toContain(
      'any other line: the message, sent as one record with the sys/type/file in the prompt',
    );
    await sh.type('.format clogs', 'OPS/TXT/deploys>');
    await sh.type('.format', 'format is clogs; usage: .format clogs|raw');
    await sh.type('PAY1 TXT back in the clogs format', 'PAY1/TXT/deploys>');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(sh.seen.err).toContain('3 records sent, 1 refused (1 not-fields)');
    // not a terminal: no acknowledgement per line
    expect(sh.seen.out).not.toMatch(/#\d+ sent/);
    await received(3);
    await local.server!.flush();
    const data = join(local.dir, 'data');
    expect((await readFile(join(data, 'OPS', 'deploys.log'), 'latin1')).split(' ').slice(2, 4)).toEqual([
      'OPS',
      'TXT',
    ]);
    expect([...(await tally([join(data, 'OPS')])).keys()].sort()).toEqual([
      'just a message',
      'lower-case msg_type, as set',
    ]);
    expect([...(await tally([join(data, 'PAY1')])).keys()]).toEqual(['back in the clogs format']);
    expect(await readdir(data)).not.toContain('just');
  });

  it('--format raw applies to the shell: every line is the message, with --sys/--type/--file', async () => {
    const sh = shell(['-s', spec, '--format', 'raw', '--sys', 'RAW', '--file', 'typed.log']);
    await sh.type('just a message', 'RAW/TXT/typed raw>');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    await received(1);
    await local.server!.flush();
    expect([...(await tally([join(local.dir, 'data', 'RAW')])).keys()]).toEqual(['just a message']);
    expect(await readdir(join(local.dir, 'data', 'RAW'))).toEqual(['typed.log']);
  });
});
