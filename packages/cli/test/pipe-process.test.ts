import { randomBytes } from 'node:crypto';
// clogs-cli as users run it: a real OS pipe from a producer process (or a file
// redirect), under bash, into clogs-server processes; every line checked in their files.
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  countProduced,
  misses,
  producedBytes,
  producerCommand,
  shellPipeline,
  summaryLine,
} from '../../../test/support/pipeline.js';
import { FAST_PING, useFleet } from './helpers.js';

const { cleanups, fleet } = useFleet();

describe('clogs-cli fed through real OS pipes, into two clogs-server processes', () => {
  it.each([
    ['at-most-once', []],
    ['at-least-once', ['--ack']],
  ])(
    '%s: 1,000,000 lines from a producer writing as fast as the pipe takes: every line in the files once, exit 0, summary',
    async (_mode, flags) => {
      const f = await fleet(2);
      const N = 1_000_000;
      // Default frames (1,432 bytes): the queue passes its high-water mark and the input
      // waits for 'drain', the wait in which clogs-cli used to end mid-work.
      const run = shellPipeline(producerCommand(['fast', String(N)]), [
        ...f.specs.flatMap((s) => ['-s', s]),
        ...flags,
      ]);
      const { code, stderr } = await run.exited;
      const acked = flags.length > 0 ? `, ${N} acked` : '';
      expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent${acked}, 0 refused`);
      expect(code, stderr).toBe(0);
      await f.stop();
      const { counts, other } = await countProduced(f.dirs, N);
      expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
      expect(other).toBe(0);
    },
    120_000,
  );

  it('a file redirect (clogs-cli < file) of 300,000 lines, past the default high-water mark: all delivered', async () => {
    const f = await fleet(2);
    const N = 300_000;
    const file = join(f.dirs[0]!, '..', `clogs-redirect-${process.pid}.txt`);
    const pad = 'x'.repeat(60);
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`P${i % 8} TXT ${String(i).padStart(8, '0')} ${pad}\n`);
    await writeFile(file, lines.join(''));
    cleanups.push(() => rm(file, { force: true }));
    const run = shellPipeline(`< '${file}'`, [...f.specs.flatMap((s) => ['-s', s])]);
    const { code, stderr } = await run.exited;
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, 0 refused`);
    expect(code, stderr).toBe(0);
    await f.stop();
    const { counts, other } = await countProduced(f.dirs, N);
    expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
    expect(other).toBe(0);
  }, 60_000);

  it('a slow trickle (a line every 20 ms): every line delivered, exit 0', async () => {
    const f = await fleet(2);
    const N = 50;
    const run = shellPipeline(
      producerCommand(['trickle', String(N), '20']),
      f.specs.flatMap((s) => ['-s', s]),
    );
    const { code, stderr } = await run.exited;
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, 0 refused`);
    expect(code, stderr).toBe(0);
    await f.stop();
    const { counts } = await countProduced(f.dirs, N);
    expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
  });

  it.each([
    ['SIGINT', 130, []],
    ['SIGTERM', 143, ['--ack']],
  ] as const)(
    'an endless producer, clogs-cli stopped by %s mid-stream: what it read is delivered, summary, exit %i',
    async (signal, status, flags) => {
      const f = await fleet(2);
      const run = shellPipeline(producerCommand(['endless']), [
        ...f.specs.flatMap((s) => ['-s', s]),
        '--max-datagram',
        '8192',
        ...flags,
      ]);
      const pid = await run.pid;
      // Mid-stream: a few MB of lines are in the servers' files.
      await vi.waitFor(async () => expect(await producedBytes(f.dirs)).toBeGreaterThan(4_000_000), {
        timeout: 30_000,
        interval: 10,
      });
      process.kill(pid, signal);
      const { code, stderr } = await run.exited;
      const summary = summaryLine(stderr);
      const m =
        /^clogs-cli: (\d+) lines read, (\d+) sent(?:, (\d+) acked)?, 0 refused, stopped by (\w+)$/.exec(
          summary,
        );
      expect(m, stderr).not.toBeNull();
      const read = Number(m![1]);
      expect(Number(m![2])).toBe(read);
      if (flags.length > 0) expect(Number(m![3])).toBe(read);
      expect(m![4]).toBe(signal);
      expect(code, stderr).toBe(status);
      await f.stop();
      // Exactly the first `read` lines, each once: nothing read was lost, nothing unread sent.
      const { counts, other } = await countProduced(f.dirs, read);
      expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
      expect(other).toBe(0);
    },
    60_000,
  );
});

describe('a second signal while the flush waits on a server that never answers', () => {
  it('gives the flush up: that server is named as given up on (not --timeout), the summary, exit 75', async () => {
    const f = await fleet(1);
    // Bound, so no ICMP either: silence. Its share of the lines waits for it.
    const mute = createSocket('udp4');
    await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => mute.close(resolve)));
    const run = shellPipeline(producerCommand(['trickle', '100000', '2']), [
      '-s',
      f.specs[0]!,
      '-s',
      `127.0.0.1:${mute.address().port} mute`,
    ]);
    const pid = await run.pid;
    // Running: the answering server has lines in its files.
    await vi.waitFor(async () => expect(await producedBytes(f.dirs)).toBeGreaterThan(0), {
      timeout: 15_000,
      interval: 10,
    });
    process.kill(pid, 'SIGINT');
    await vi.waitFor(() => expect(run.stderr()).toContain('another signal gives up'), { timeout: 5000 });
    process.kill(pid, 'SIGINT');
    const { code, stderr } = await run.exited;
    expect(stderr).toContain(
      'clogs-cli: server mute answered no ping before the flush was given up: nothing was sent to it\n',
    );
    expect(stderr).not.toContain('--timeout');
    const m =
      /^clogs-cli: (\d+) lines read, (\d+) sent, 0 refused, (\d+) undelivered, stopped by SIGINT$/.exec(
        summaryLine(stderr),
      );
    expect(m, stderr).not.toBeNull();
    expect(Number(m![2]) + Number(m![3]), 'each line read sent or undelivered').toBe(Number(m![1]));
    // Undelivered outranks the signal (130): the records are what a script must know of.
    expect(code, stderr).toBe(75);
  });
});

describe('keys: a server with --key-file, clogs-cli with the wrong key, none, the right one', () => {
  /** A key file (a random key named after `secret`, mode 0600) in a folder removed after the test. */
  async function keyFile(secret: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'clogs-keys-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, `${secret.replaceAll(' ', '-')}.key`);
    await writeFile(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    return path;
  }
  /** A server with a fresh key, and its key file. */
  const keyed = async () => {
    const key = await keyFile('the fleet secret');
    return { f: await fleet(1, ['--key-file', key]), key };
  };

  it.each([
    [
      'the wrong key',
      'another secret',
      'This client seals its frames with a key, and a server with another key, or none, ignores them',
      [],
    ],
    [
      'no key',
      undefined,
      'This client has no key, and a server started with --key-file ignores frames in clear',
      [],
    ],
    [
      'the wrong key, --ack',
      'another secret',
      'This client seals its frames with a key, and a server with another key, or none, ignores them',
      ['--ack'],
    ],
  ])(
    '%s: exit 75, every line undelivered, and the down notice says the keys may differ',
    async (_what, secret, hint, flags) => {
      const { f } = await keyed();
      const key = secret === undefined ? [] : ['--key-file', await keyFile(secret)];
      const run = shellPipeline(producerCommand(['fast', '1000']), [
        '-s',
        f.specs[0]!,
        '-c',
        FAST_PING,
        '--timeout',
        '1500',
        ...key,
        ...flags,
      ]);
      const { code, stderr } = await run.exited;
      expect(stderr).toMatch(
        /server s0 down \(no-pong\): no answer to 3 pings at 127\.0\.0\.1:\d+, and none ever: /,
      );
      expect(stderr).toContain(hint);
      const acked = flags.length > 0 ? ', 0 acked' : '';
      // The verdict (3 pings of 200 ms) comes before --timeout: the run ends at it.
      expect(summaryLine(stderr)).toBe(
        `clogs-cli: 1000 lines read, 0 sent${acked}, 0 refused, 1000 undelivered (every server down: s0 no-pong)`,
      );
      expect(code, stderr).toBe(75);
      await f.stop();
      expect(misses((await countProduced(f.dirs, 1000)).counts).missingCount).toBe(1000);
    },
    30_000,
  );

  it('the right key: every line delivered, exit 0', async () => {
    const { f, key } = await keyed();
    const run = shellPipeline(producerCommand(['fast', '1000']), ['-s', f.specs[0]!, '--key-file', key]);
    const { code, stderr } = await run.exited;
    expect(summaryLine(stderr)).toBe('clogs-cli: 1000 lines read, 1000 sent, 0 refused');
    expect(code, stderr).toBe(0);
    await f.stop();
    const { counts } = await countProduced(f.dirs, 1000);
    expect(misses(counts)).toEqual({ missing: [], repeated: [], missingCount: 0 });
  });
});
