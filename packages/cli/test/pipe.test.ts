import { EventEmitter } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { writeNewKeyFile } from '@clogs/protocol';
import { createServer, parseLine as parseServerLine } from 'clogs-server';
import { describe, expect, it, vi } from 'vitest';
import { summaryLine } from '../../../test/support/pipeline.js';
import { ExitCode } from '../src/index.js';
import { run, tally, useServer } from './helpers.js';

const local = useServer('clogs-cli-pipe-');

describe('pipe mode (main on injected streams, a real server)', () => {
  it('sends each line as a record: CRLF, invalid UTF-8 and blanks in the message kept; bad lines counted, exit 65', async () => {
    const spec = await local.start();
    const long = `PAY1 TXT ${'x'.repeat(70_000)}\n`;
    const input = [
      'PAY1 TXT first line\r\n',
      'PAY1 XML <a>  spaced </a>\nPAY1 TXT bytes ',
      Buffer.from([0xff, 0xfe, 0x0a]),
      '\n',
      'PAY1 TXT\n',
      long,
      // fits the line limit (65,507 bytes), not a datagram with the record's header
      `PAY1 TXT ${'y'.repeat(65_490)}\n`,
      'TOOLONG TXT sys_id too long\n',
      'PAY1\n',
      'PAY1 TXT last, no LF',
    ];
    const { code, err } = await run(['-s', spec, '--ack', '--file', 'pipe'], input);
    // one label per reason: both lines too big for a datagram are too-long
    expect(summaryLine(err)).toBe(
      'clogs-cli: 10 lines read, 4 sent, 4 acked, 5 refused ' +
        '(1 empty-message, 2 too-long, 1 bad-sys-id, 1 no-msg-type), 1 blank skipped',
    );
    expect(code).toBe(ExitCode.REFUSED);
    await local.server!.flush();
    const seen = await tally([join(local.dir, 'data')]);
    expect([...seen.keys()].sort()).toEqual(
      ['<a>  spaced </a>', 'bytes \xff\xfe', 'first line', 'last, no LF'].sort(),
    );
  });

  it.each([
    ['raw', [], '4 lines read, 2 sent, 2 acked, 0 refused, 2 blank skipped', ['a', 'b']],
    ['raw', ['--keep-empty'], '4 lines read, 4 sent, 4 acked, 0 refused', ['a', '', '   ', 'b']],
    ['clogs', [], '4 lines read, 1 sent, 1 acked, 1 refused (1 empty-message), 2 blank skipped', ['b']],
    ['clogs', ['--keep-empty'], '4 lines read, 2 sent, 2 acked, 0 refused, 2 blank skipped', ['', 'b']],
  ])(
    'blank lines in %s format %j: skipped and counted, or with --keep-empty sent when they can be',
    async (format, flags, summary, messages) => {
      const spec = await local.start();
      const input = format === 'raw' ? 'a\n\n   \nb\n' : 'PAY1 TXT\n\n \t \nPAY1 TXT b\n';
      const { code, err } = await run(['-s', spec, '--ack', '--format', format, ...flags], [input]);
      expect(summaryLine(err)).toBe(`clogs-cli: ${summary}`);
      expect(code).toBe(summary.includes('refused (') ? ExitCode.REFUSED : ExitCode.OK);
      await local.server!.flush();
      expect([...(await tally([join(local.dir, 'data')])).keys()].sort()).toEqual(messages.sort());
    },
  );

  it('--input: several files and stdin (-), in order, each last line ending with its file', async () => {
    const spec = await local.start();
    const one = join(local.dir, 'one.txt');
    const two = join(local.dir, 'two.txt');
    await writeFile(one, 'IN TXT one a\nIN TXT one b, no LF');
    await writeFile(two, 'IN TXT two a\n');
    const { code, err } = await run(
      ['-s', spec, '--ack', '--file', 'in', '-i', one, '--input', '-', '-i', two],
      ['IN TXT stdin a\n'],
    );
    expect(summaryLine(err)).toBe('clogs-cli: 4 lines read, 4 sent, 4 acked, 0 refused');
    expect(code).toBe(ExitCode.OK);
    await local.server!.flush();
    const lines = (await readFile(join(local.dir, 'data', 'IN', 'in.log')))
      .toString('latin1')
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => parseServerLine(Buffer.from(l, 'latin1'))?.msg.toString())).toEqual([
      'one a',
      'one b, no LF',
      'stdin a',
      'two a',
    ]);
  });

  it('--input: a file that cannot be read stops the run before anything is sent, exit 66 naming it', async () => {
    const spec = await local.start();
    const good = join(local.dir, 'good.txt');
    await writeFile(good, 'IN TXT never sent\n');
    const missing = await run(['-s', spec, '-i', good, '-i', join(local.dir, 'none.txt')], []);
    expect(missing.code).toBe(ExitCode.NO_INPUT);
    expect(missing.err).toMatch(/^clogs-cli: cannot read input .*none\.txt: ENOENT/);
    const folder = await run(['-s', spec, '-i', local.dir], []);
    expect(folder.code).toBe(ExitCode.NO_INPUT);
    expect(folder.err).toMatch(/cannot read input .*: it is a directory/);
    expect(local.server!.stats().records).toBe(0);
  });

  it('exits 0 when every line is acknowledged, and says so in one line', async () => {
    const spec = await local.start();
    const lines = Array.from({ length: 5000 }, (_, i) => `APP TXT line ${i}\n`);
    const { code, err } = await run(['-s', spec, '--ack', '--max-datagram', '8192'], [lines.join('')]);
    expect(err.trim().split('\n').at(-1)).toBe(
      'clogs-cli: 5000 lines read, 5000 sent, 5000 acked, 0 refused',
    );
    expect(code).toBe(ExitCode.OK);
  });

  it('raw format: the line is the message, the fields come from the flags', async () => {
    const spec = await local.start();
    const { code } = await run(
      ['-s', spec, '--format', 'raw', '--sys', 'RAW', '--type', 'JSON', '--file', 'r', '--ack'],
      ['{"a":1}\n{"b":2}\n'],
    );
    expect(code).toBe(ExitCode.OK);
    await local.server!.flush();
    expect([...(await tally([join(local.dir, 'data')])).keys()]).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('pauses its input while the queue is full instead of dropping: 50,000 lines through a 64 KiB queue', async () => {
    const spec = await local.start();
    const config = join(local.dir, 'small.json');
    await writeFile(config, JSON.stringify({ client: { maxQueueBytes: 65536, highWaterBytes: 32768 } }));
    const lines = Array.from({ length: 50_000 }, (_, i) => `BP TXT back pressure ${i}\n`).join('');
    const { code, err } = await run(['-s', spec, '-c', config, '--ack'], [lines]);
    expect(err).toContain('50000 lines read, 50000 sent, 50000 acked, 0 refused');
    expect(code).toBe(ExitCode.OK);
  });

  it('exit 75 when records are still undelivered at the deadline', async () => {
    const spec = await local.start({ faults: { dropFraction: 1 } });
    const { code, err } = await run(['-s', spec, '--ack', '--timeout', '300'], ['APP TXT never acked\n']);
    expect(err).toMatch(/1 undelivered/);
    expect(code).toBe(ExitCode.UNDELIVERED);
  });

  it('SIGINT stops the reading; what was read is still delivered; exit 130', async () => {
    const spec = await local.start();
    const stdin = new PassThrough();
    const signals = new EventEmitter();
    const running = run(['-s', spec, '--ack'], stdin, { signals });
    stdin.write('SIG TXT before the signal\n');
    await vi.waitFor(() => expect(local.server?.stats().records, 'records written').toBe(1));
    signals.emit('SIGINT');
    const { code, err } = await running;
    expect(err).toContain('1 line read, 1 sent, 1 acked, 0 refused, stopped by SIGINT');
    expect(code).toBe(130);
  });

  it('SIGHUP re-reads the config: records go to the servers it now names', async () => {
    const first = await local.start();
    const second = await createServer({ host: '127.0.0.1', port: 0, dataDir: join(local.dir, 'second') });
    try {
      const config = join(local.dir, 'fleet.json');
      await writeFile(config, JSON.stringify({ servers: [first] }));
      const stdin = new PassThrough();
      const signals = new EventEmitter();
      const running = run(['-c', config, '--ack', '--file', 'hup'], stdin, { signals });
      stdin.write('HUP TXT to the first\n');
      await vi.waitFor(() => expect(local.server?.stats().records, 'records written').toBe(1));
      // A new fleet, and a new default file_name, which a running client cannot take.
      const servers = [`127.0.0.1:${second.address.port} two`];
      await writeFile(config, JSON.stringify({ servers, defaults: { fileName: 'other' } }));
      signals.emit('SIGHUP');
      // the reloaded fleet pinging the new server
      await vi.waitFor(() => expect(second.stats().pings).toBeGreaterThan(0));
      // the new server joins once it has answered a ping; then the lines go to it
      stdin.write('HUP TXT to the second\n');
      stdin.end();
      const { code, err } = await running;
      expect(err).toContain(
        `clogs-cli: reloaded ${config}: 1 server; defaults changed in the file: not applied until clogs-cli starts again\n`,
      );
      expect(code).toBe(ExitCode.OK);
      expect(second.stats().records).toBe(1);
      expect(local.server!.stats().records).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('--key-file seals every frame: a server with the same key takes them, none without it', async () => {
    const key = join(local.dir, 'clogs.key');
    const spec = await local.start({ keys: [await writeNewKeyFile(key)] });
    const { code, err } = await run(['-s', spec, '--key-file', key, '--ack'], ['KEY TXT sealed\n']);
    expect(err).toContain('1 line read, 1 sent, 1 acked, 0 refused');
    expect(code).toBe(ExitCode.OK);
    const plain = await run(['-s', spec, '--ack', '--timeout', '500'], ['KEY TXT in clear\n']);
    expect(plain.code).toBe(ExitCode.UNDELIVERED);
    expect(local.server!.stats().records).toBe(1);
    const missing = await run(['-s', spec, '--key-file', join(local.dir, 'none.key')], []);
    expect(missing.code).toBe(ExitCode.NO_INPUT);
    expect(missing.err).toMatch(/^clogs-cli: key file .*none\.key cannot be opened: ENOENT/);
  });

  it("record fields: a flag given wins over the config file's defaults, which win over the flags' own", async () => {
    const spec = await local.start();
    const config = join(local.dir, 'defaults.json');
    await writeFile(
      config,
      JSON.stringify({ defaults: { sysId: 'CFG', fileName: 'fromcfg', level: 'warn' } }),
    );
    expect((await run(['-s', spec, '-c', config, '--format', 'raw', '--ack'], ['one\n'])).code).toBe(0);
    expect(
      (await run(['-s', spec, '-c', config, '--format', 'raw', '--file', 'flag', '--ack'], ['two\n'])).code,
    ).toBe(0);
    await local.server!.flush();
    expect(await readFile(join(local.dir, 'data', 'CFG', 'fromcfg.log'), 'utf8')).toMatch(
      / WARN CFG TXT .* one\n$/,
    );
    expect(await readFile(join(local.dir, 'data', 'CFG', 'flag.log'), 'utf8')).toMatch(
      / WARN CFG TXT .* two\n$/,
    );
  });

  it("--ack, or the config file's client.delivery when --ack is not given, decides the delivery the summary reports", async () => {
    const spec = await local.start();
    const config = join(local.dir, 'delivery.json');
    await writeFile(config, JSON.stringify({ client: { delivery: 'at-least-once' } }));
    const fromFile = await run(['-s', spec, '-c', config], ['DLV TXT acked by the file\n']);
    expect(fromFile.err).toContain('1 line read, 1 sent, 1 acked, 0 refused');
    expect(fromFile.code).toBe(ExitCode.OK);
    const bogus = join(local.dir, 'bogus.json');
    await writeFile(bogus, JSON.stringify({ client: { delivery: 'sometimes' } }));
    const refused = await run(['-s', spec, '-c', bogus, '--ack'], ['DLV TXT never sent\n']);
    expect(refused.code).toBe(ExitCode.CONFIG);
    expect(refused.err).toMatch(
      /bad config .*bogus\.json: client\.delivery: must be 'at-most-once' or 'at-least-once', not "sometimes"/,
    );
  });

  it('usage and config errors get their own exit codes and a one-line reason', async () => {
    expect((await run(['--bogus'], [])).code).toBe(ExitCode.USAGE);
    expect((await run(['--format', 'xml'], [])).code).toBe(ExitCode.USAGE);
    expect((await run(['-s', 'nonsense'], [])).code).toBe(ExitCode.USAGE);
    const missing = await run(['-c', join(local.dir, 'none.json')], []);
    expect(missing.code).toBe(ExitCode.CONFIG);
    expect(missing.err).toMatch(/bad config .*none\.json: no such file/);
    const bad = join(local.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ servers: ['not a server'] }));
    const invalid = await run(['-c', bad], []);
    expect(invalid.code).toBe(ExitCode.CONFIG);
    expect(invalid.err).toMatch(/bad server.*\(config .*bad\.json\)/);
    const nested = join(local.dir, 'nested.json');
    await writeFile(nested, JSON.stringify({ client: { ping: { intervlMs: 500 } } }));
    const typo = await run(['-c', nested], []);
    expect(typo.code).toBe(ExitCode.CONFIG);
    expect(typo.err).toMatch(
      /bad config .*nested\.json: client\.ping\.intervlMs: unknown key \[ERR_CLI_BAD_CONFIG\]\n$/,
    );
    const help = await run(['--help'], []);
    expect(help.code).toBe(ExitCode.OK);
    // one-shot first: in the usage line, and first of the examples for the three uses
    expect(help.out.split('\n')[0]).toBe('Usage: clogs-cli [options] [sys_id msg_type message...]');
    expect(help.out).toMatch(
      /Exit codes:[\s\S]*Examples:\n {2}One record, then exit[^\n]*\n {4}clogs-cli [^\n]*PAY1 TXT[\s\S]* {2}The shell[\s\S]* {2}Pipes and files/,
    );
  });

  it('--embedded writes where its one line says', async () => {
    const data = join(local.dir, 'embedded-data');
    const { code, err } = await run(
      ['--embedded', '--data-dir', data],
      ['EMB TXT into the embedded server\n'],
    );
    expect(code).toBe(ExitCode.OK);
    expect(err).toContain(`writing to ${data}`);
    expect([...(await tally([data])).keys()]).toEqual(['into the embedded server']);
  });
});
