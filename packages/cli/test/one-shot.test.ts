import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../src/index.js';
import { run, serverFleet, startCli, tally, useServer } from './helpers.js';

const local = useServer('clogs-cli-one-shot-');

describe('one-shot: the arguments are one line, sent as one record', () => {
  it('clogs format: sys_id msg_type message; says nothing when it went, exit 0', async () => {
    const spec = await local.start();
    const { code, err } = await run(
      ['-s', spec, '--ack', '--file', 'deploy', 'PAY1', 'TXT', 'disk', 'full'],
      [],
    );
    expect(err).toBe('');
    expect(code).toBe(ExitCode.OK);
    await local.server!.flush();
    expect(await readFile(join(local.dir, 'data', 'PAY1', 'deploy.log'), 'utf8')).toMatch(
      / PAY1 TXT .* disk full\n$/,
    );
  });

  it('with -- before the record a word may start with -; on a terminal too, no shell opens', async () => {
    const spec = await local.start();
    const terminal = Object.assign(new PassThrough(), { isTTY: true });
    const { code, out } = await run(['-s', spec, '--ack', '--', 'PAY1', 'TXT', '-v', 'given'], terminal);
    expect(code).toBe(ExitCode.OK);
    expect(out).not.toContain('clogs ');
    await local.server!.flush();
    expect([...(await tally([join(local.dir, 'data')])).keys()]).toEqual(['-v given']);
  });

  it('raw format: the arguments are the message, the fields come from the flags; a newline in one stays in the record', async () => {
    const spec = await local.start();
    const argv = ['-s', spec, '--ack', '--format', 'raw', '--sys', 'OPS', 'deploy done\nby ci'];
    expect((await run(argv, [])).code).toBe(ExitCode.OK);
    await local.server!.flush();
    expect([...(await tally([join(local.dir, 'data')])).keys()]).toEqual(['deploy done\nby ci']);
    expect(local.server!.stats().records).toBe(1);
  });

  it('refused: the reason, the summary, exit 65, nothing sent', async () => {
    const spec = await local.start();
    const { code, err } = await run(['-s', spec, '--ack', 'deploy done'], []);
    expect(err).toContain(
      'clogs-cli: refused: empty message (the arguments are "sys_id msg_type message...", or with --format raw the message) [ERR_CLI_BAD_LINE]',
    );
    expect(err).toContain('clogs-cli: 1 line read, 0 sent, 0 acked, 1 refused (1 empty-message)');
    expect(code).toBe(ExitCode.REFUSED);
    const tooLong = await run(['-s', spec, 'TOOLONG', 'TXT', 'x'], []);
    expect(tooLong.err).toContain('1 refused (1 bad-sys-id)');
    expect(tooLong.code).toBe(ExitCode.REFUSED);
    expect(local.server!.stats().records).toBe(0);
  });

  it('undelivered: the summary, exit 75', async () => {
    const spec = await local.start({ faults: { dropFraction: 1 } });
    const { code, err } = await run(['-s', spec, '--ack', '--timeout', '300', 'PAY1', 'TXT', 'lost'], []);
    expect(err).toContain('clogs-cli: 1 line read, 0 sent, 0 acked, 0 refused, 1 undelivered');
    expect(code).toBe(ExitCode.UNDELIVERED);
  });

  it('a signal while the record waits: says it is delivering and for how long; a second gives up: exit 75', async () => {
    const silent = createSocket('udp4');
    let pinged = false;
    silent.on('message', () => {
      pinged = true;
    });
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    local.cleanups.push(() => new Promise<void>((resolve) => silent.close(resolve)));
    const signals = new EventEmitter();
    let seen = '';
    const spec = `127.0.0.1:${silent.address().port} mute`;
    const running = run(['-s', spec, '--timeout', '8000', 'PAY1', 'TXT', 'waiting'], [], {
      signals,
      onStderr: (all) => {
        seen = all;
      },
    });
    await vi.waitFor(() => expect(pinged, 'the client is running: it pinged').toBe(true));
    signals.emit('SIGINT');
    await vi.waitFor(() =>
      expect(seen).toContain(
        'clogs-cli: SIGINT: delivering the record (up to 8000 ms; another signal gives up)\n',
      ),
    );
    signals.emit('SIGINT');
    const { code, err } = await running;
    // stderr stands for a terminal here: colour codes out.
    const plain = stripVTControlCharacters(err);
    expect(plain).toContain('clogs-cli: server mute answered no ping before the flush was given up');
    expect(plain).toContain('clogs-cli: 1 line read, 0 sent, 0 refused, 1 undelivered, stopped by SIGINT');
    expect(code).toBe(ExitCode.UNDELIVERED);
  });

  it('a server that answers no ping before --timeout (shorter than the down verdict) is named: exit 75', async () => {
    // Bound, so no ICMP port unreachable comes back: only silence.
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    local.cleanups.push(() => new Promise<void>((resolve) => silent.close(resolve)));
    const spec = `127.0.0.1:${silent.address().port} mute`;
    const { code, err } = await run(['-s', spec, '--timeout', '500', 'PAY1', 'TXT', 'lost'], []);
    expect(err).toContain(
      'clogs-cli: server mute answered no ping within --timeout 500 ms: nothing was sent to it\n',
    );
    expect(err).toContain('clogs-cli: 1 line read, 0 sent, 0 refused, 1 undelivered');
    expect(code).toBe(ExitCode.UNDELIVERED);
  });

  it('blank: skipped and said so, exit 0; with --input as well: a usage error', async () => {
    const spec = await local.start();
    const blank = await run(['-s', spec, ' '], []);
    expect(blank.err).toContain('1 line read, 0 sent, 0 refused, 1 blank skipped');
    expect(blank.code).toBe(ExitCode.OK);
    const both = await run(['-s', spec, '-i', '-', 'PAY1', 'TXT', 'x'], []);
    expect(both.err).toContain('clogs-cli: a record in the arguments, or --input: not both');
    expect(both.code).toBe(ExitCode.USAGE);
  });

  it('as a script runs it, `clogs-cli ... --ack PAY1 TXT msg || alert`: exit 0 when acknowledged, 65 when refused', async () => {
    const f = await serverFleet(1, [], local.cleanups);
    const ok = await startCli(['-s', f.specs[0]!, '--ack', 'PAY1', 'TXT', 'deploy', 'done'], {
      cleanups: local.cleanups,
    }).exited;
    expect(ok).toMatchObject({ code: 0, err: '' });
    const refused = await startCli(['-s', f.specs[0]!, '--ack', 'deploy done'], { cleanups: local.cleanups })
      .exited;
    expect(refused.code, refused.err).toBe(65);
    await f.stop();
    expect([...(await tally(f.dirs)).entries()]).toEqual([['deploy done', 1]]);
  });
});
