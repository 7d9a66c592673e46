import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { summaryLine } from '../../../test/support/pipeline.js';
import { FAST_PING, startCli, tally, useFleet } from './helpers.js';

const { cleanups, fleet } = useFleet();

describe('clogs-cli as a process, against clogs-server processes', () => {
  it('pipes 100,000 lines with --ack through three servers, one killed midway: every line in their files, exit 0', async () => {
    // ACK after write: what a server ACKs is in its file even if the process dies.
    const f = await fleet(3, ['--ack-after-write', '--flush-ms', '20']);
    const cli = startCli(
      [
        ...f.specs.flatMap((s) => ['-s', s]),
        '--ack',
        '--max-datagram',
        '8192',
        '--timeout',
        '60000',
        '-c',
        FAST_PING,
      ],
      { cleanups },
    );
    const total = 100_000;
    // 30 sys_ids, so the files spread over the three servers
    const line = (i: number) => `S${String(i % 30).padStart(2, '0')} TXT line ${i}\n`;
    const half = Array.from({ length: total / 2 }, (_, i) => line(i)).join('');
    cli.child.stdin!.write(half);
    // the first server writing
    await vi.waitFor(
      async () =>
        expect((await readdir(f.dirs[0]!, { recursive: true })) as string[]).toContainEqual(
          expect.stringMatching(/\.log$/),
        ),
      { timeout: 20_000, interval: 10 },
    );
    f.procs[0]!.child.kill('SIGKILL');
    cli.child.stdin!.end(Array.from({ length: total / 2 }, (_, i) => line(total / 2 + i)).join(''));
    const { code, err } = await cli.exited;
    expect(err).toContain(`${total} lines read, ${total} sent, ${total} acked, 0 refused`);
    expect(err).toMatch(/server s0 down/);
    expect(code).toBe(0);
    // the survivors stop cleanly, writing and fsyncing everything
    for (const p of f.procs.slice(1)) p.child.kill('SIGTERM');
    await Promise.all(f.procs.map((p) => p.exited));
    const seen = await tally(f.dirs);
    const missing = Array.from({ length: total }, (_, i) => `line ${i}`).filter((m) => !seen.has(m));
    expect(missing).toEqual([]);
  }, 90_000);

  it('exits 65 with the reasons when some lines are refused, having sent the rest', async () => {
    const f = await fleet(1);
    const cli = startCli(['-s', f.specs[0]!, '--ack'], { cleanups });
    cli.child.stdin!.end('GOOD TXT one\nnot-a-record\nGOOD TXT two\nGOOD TXT\n');
    const { code, err } = await cli.exited;
    expect(err).toContain('4 lines read, 2 sent, 2 acked, 2 refused (1 no-msg-type, 1 empty-message)');
    expect(code).toBe(65);
  });

  it('--input: two files and stdin between them, as a process: every line once, exit 0', async () => {
    const f = await fleet(1);
    const files = [
      join(f.dirs[0]!, '..', `in-a-${process.pid}.txt`),
      join(f.dirs[0]!, '..', `in-b-${process.pid}.txt`),
    ];
    cleanups.push(() => Promise.all(files.map((p) => rm(p, { force: true }))).then(() => undefined));
    const lines = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => `F${tag} TXT ${tag} ${i}\n`).join('');
    await writeFile(files[0]!, lines('a', 1000));
    await writeFile(files[1]!, lines('b', 1000));
    const cli = startCli(['-s', f.specs[0]!, '--ack', '-i', files[0]!, '-i', '-', '-i', files[1]!], {
      cleanups,
    });
    cli.child.stdin!.end(lines('s', 1000));
    const { code, err } = await cli.exited;
    expect(summaryLine(err)).toBe('clogs-cli: 3000 lines read, 3000 sent, 3000 acked, 0 refused');
    expect(code).toBe(0);
    await f.stop();
    const seen = await tally(f.dirs);
    const expected = ['a', 's', 'b'].flatMap((t) => Array.from({ length: 1000 }, (_, i) => `${t} ${i}`));
    expect(expected.filter((m) => seen.get(m) !== 1)).toEqual([]);
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s the moment clogs-cli listens for it, while it still loads: its summary, exit %i',
    async (signal, status) => {
      const f = await fleet(1);
      // A preload says when the process first listens for SIGTERM, and whether the
      // program was running by then (bin.ts takes SIGINT and SIGTERM before it loads it).
      const announce = join(import.meta.dirname, 'fixtures', 'announce-stop-listener.mjs');
      const cli = startCli(['-s', f.specs[0]!], { node: ['--import', announce], cleanups });
      await new Promise<void>((resolve) =>
        cli.child.stderr!.on('data', () => {
          if (cli.err().includes('test: SIGTERM listened for')) resolve();
        }),
      );
      cli.child.kill(signal);
      const { code, err } = await cli.exited;
      expect(err).toContain('test: SIGTERM listened for before the program runs');
      expect(summaryLine(err)).toBe(`clogs-cli: 0 lines read, 0 sent, 0 refused, stopped by ${signal}`);
      expect(code, err).toBe(status);
    },
  );
});
