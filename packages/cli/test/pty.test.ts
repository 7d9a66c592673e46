import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLevels } from '@clogs/protocol';
import { describe, expect, it } from 'vitest';
import { ServerProcess } from '../../../test/support/server-process.js';
import { type CliProcess, FAST_PING, progressDraws, serverFleet, startCli, useCleanups } from './helpers.js';

// The shell for real, under a pseudo-terminal: util-linux `script` runs it on a pty
// and passes our keystrokes through.
const cleanups = useCleanups();

interface Pty extends CliProcess {
  /** Its HOME: the history file is `.clogs_history` there. */
  home: string;
  /** Types keys, then waits until the output after them holds `expect`; returns that output. */
  keys(keys: string, expect: string | RegExp): Promise<string>;
}

/** The shell on a pty, with a HOME of its own (its history file goes there). */
async function pty(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Pty> {
  const home = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-'));
  const cli = startCli(args, {
    pty: true,
    env: { HOME: home, TERM: 'xterm', NO_COLOR: undefined, ...env },
    cleanups,
  });
  cleanups.push(() => rm(home, { recursive: true, force: true }));
  return {
    ...cli,
    home,
    keys(keys, expect) {
      const from = cli.out().length;
      cli.child.stdin!.write(keys);
      return cli.waitFor(expect, from);
    },
  };
}

describe('the shell under a pseudo-terminal', () => {
  it('prompt, completion, events above the line being typed, Ctrl-C clears then twice exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-data-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const doomed = ServerProcess.start(['--port', '0', '--data-dir', join(dir, 'doomed')]);
    cleanups.push(async () => {
      doomed.child.kill('SIGKILL');
      await doomed.exited;
    });
    const config = join(dir, 'fleet.json');
    await writeFile(
      config,
      JSON.stringify({
        servers: [`127.0.0.1:${await doomed.port()} dead`],
        client: { ping: { intervalMs: 100, failureLimit: 2 } },
      }),
    );
    const sh = await pty(['--embedded', '--data-dir', join(dir, 'data'), '-c', config]);
    await sh.waitFor('clogs\x1b[39m \x1b[2mCLI/TXT/cli');
    // completion: a unique prefix completes, its argument too
    await sh.keys('.rou\t', 'te');
    await sh.keys(' PAY1 cli\r', /PAY1\/cli → (embedded|dead)/);
    await sh.keys('.set le\t', 'vel');
    const set = await sh.keys(' loud\r', 'level must be one of');
    expect(set).not.toContain('usage');
    expect(set.replace(/\s+/g, ' ')).toContain(`level must be one of ${describeLevels()}; not "loud"`);
    // a valid level the old list did not have: taken in silence
    expect(await sh.keys('.set level trace\r', 'clogs')).not.toContain('must be');
    // an event arrives while a line is half typed: it goes above, the line is drawn again
    await sh.keys('PAY1 TXT half typed', 'half typed');
    doomed.child.kill('SIGKILL');
    // the line drawn again below the event
    await sh.waitFor(/server dead down[\s\S]*PAY1 TXT half typed/);
    // Ctrl-C clears the line: Enter then sends nothing
    await sh.keys('\x03', 'clogs');
    await sh.keys('\r', 'clogs');
    await sh.keys('PAY1 TXT sent\r', 'PAY1/TXT/cli');
    await sh.keys('\x03', 'Ctrl-C again');
    await sh.keys('\x03', 'record sent');
    const { code } = await sh.exited;
    expect(code).toBe(0);
    expect(sh.out()).toContain('1 record sent, 0 refused');
    expect(await readFile(join(dir, 'data', 'PAY1', 'cli.log'), 'latin1')).toMatch(
      / TRACE PAY1 TXT 0 - sent\n$/,
    );
  }, 30_000);

  it('no colour with NO_COLOR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-data-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sh = await pty(['--data-dir', join(dir, 'data')], { NO_COLOR: '1' });
    await sh.waitFor('clogs CLI/TXT/cli>');
    await sh.keys('\x04', 'records sent');
    expect(sh.out()).not.toContain('\x1b[36m');
  }, 30_000);

  it('a refused line or setting changes nothing, .set and .route say why, .ack keeps the counts, history once per line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-data-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sh = await pty(['--data-dir', join(dir, 'data')], { NO_COLOR: '1' });
    await sh.waitFor('clogs CLI/TXT/cli>');
    await sh.keys('PAY1 TXT first\r', 'clogs PAY1/TXT/cli>');
    await sh.keys('\r', 'clogs PAY1/TXT/cli>');
    // Under a pty readline draws the prompt again as keys are echoed: wait for each
    // command's own words, then for the prompt after them.
    // "hello" is a 5-byte sys_id: refused, and the prompt stays PAY1/TXT (checked at the end)
    await sh.keys('hello world and more\r', /refused: "hello world" is not[\s\S]*clogs PAY1\/TXT\/cli>/);
    await sh.keys(
      '.set file ../etc\r',
      /file not set: file_name may only contain[\s\S]*clogs PAY1\/TXT\/cli>/,
    );
    await sh.keys('.route PAY1/app\r', /not a log file: sys_id[\s\S]*clogs PAY1\/TXT\/cli>/);
    await sh.keys('.ack on\r', 'clogs PAY1/TXT/cli ack>');
    await sh.keys('PAY1 TXT first\r', 'clogs PAY1/TXT/cli ack>');
    // with ack, .flush waits for the ACK: the counts below are final
    await sh.keys('.flush\r', 'flushed');
    expect(await sh.keys('.stats\r', /\d+ accepted, .* rerouted/)).toMatch(
      /2 accepted, 2 sent, 1 acked, 1 refused/,
    );
    await sh.keys('\x04', 'records sent');
    const { code, out } = await sh.exited;
    expect(code).toBe(0);
    expect(out).toContain('clogs-cli: 2 records sent, 1 acked, 1 refused (1 not-fields), 1 blank skipped');
    // on a terminal each line sent is acknowledged: sent, then with .ack on acked
    expect(out).toMatch(/ {2}#1 sent → PAY1\/cli on embedded\r?\n/);
    expect(out).toMatch(/ {2}#2 acked → PAY1\/cli on embedded\r?\n/);
    // neither the refused line nor the refused setting ever reached the prompt
    expect(out).not.toMatch(/clogs (hello|PAY1\/TXT\/\.\.)/);
    // typed twice, kept once, at its last use
    expect((await readFile(join(sh.home, '.clogs_history'), 'utf8')).split('\n')).toEqual([
      'hello world and more',
      '.set file ../etc',
      '.route PAY1/app',
      '.ack on',
      'PAY1 TXT first',
      '.flush',
      '.stats',
      '',
    ]);
  }, 30_000);

  it('--input on a terminal: no shell; the progress line fits its width, is drawn again within it when narrowed, notices above it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-pty-progress-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // Takes the records, never ACKs: with --ack and --wait-for-servers the run lasts
    // --timeout, drawing progress.
    const f = await serverFleet(1, ['--fault-no-ack'], cleanups);
    const input = join(dir, 'lines.txt');
    await writeFile(input, Array.from({ length: 100 }, (_, i) => `PRO TXT line ${i}\n`).join(''));
    const ttyName = join(dir, 'tty');
    const cli = startCli(
      ['-s', f.specs[0]!, '--ack', '--wait-for-servers', '-c', FAST_PING, '--timeout', '4000', '-i', input],
      {
        pty: true,
        before: `stty cols 30 && tty > '${ttyName}' &&`,
        env: { NO_COLOR: '1', TERM: 'xterm' },
        cleanups,
      },
    );
    // 30 columns: the whole counts of "100 read, 100 sent, 0 acked, 0 refused" that fit 29
    await cli.waitFor('\r\x1b[K100 read, 100 sent, 0 acked\r');
    const before = cli.out().length;
    execFileSync('stty', ['-F', (await readFile(ttyName, 'utf8')).trim(), 'cols', '12']);
    // The 27 characters wrapped onto 3 rows of 12: up 2, clear, then the counts that fit 11.
    await cli.waitFor('\r\x1b[2A\x1b[J\r\x1b[K100 read\r', before);
    const { code, out } = await cli.exited;
    expect(code).toBe(75);
    expect(out).not.toContain('clogs CLI/TXT/cli>');
    // a notice (s0 down: no ACK, or under load no pong) is drawn above the line
    expect(out).toContain('\r\x1b[Kclogs-cli: server s0 down (');
    expect(progressDraws(out.slice(0, before)).filter((d) => d.length > 29)).toEqual([]);
    expect(progressDraws(out.slice(before)).filter((d) => d.length > 11)).toEqual([]);
  }, 30_000);
});
