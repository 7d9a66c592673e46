import { createSocket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exactlyOnce,
  fastPingConfig,
  linesReach,
  logFiles,
  messages,
  runCli,
  startServer,
  statsOf,
  statsUntil,
  tempDir,
  useCleanups,
} from './support/secure-fleet.js';
import { logV2 } from './support/wire-v2-bytes.js';

// A clogs-server whose data dir it cannot write says so in its PONGs: clogs-cli leaves it
// out, delivers to the healthy servers, and with none fails naming `cannot-write`.
const cleanups = useCleanups();

describe('a server that cannot write beside a healthy one', () => {
  it('at-most-once: every line on the healthy one; with only the broken one: exit 75 naming cannot-write', async () => {
    const d = await tempDir(cleanups);
    const healthyData = join(d, 'healthy');
    const brokenData = join(d, 'broken');
    const healthy = startServer(cleanups, ['--data-dir', healthyData]);
    const broken = startServer(cleanups, ['--data-dir', brokenData]);
    const ports = [await healthy.port(), await broken.port()];
    // A regular file where the sys_id's folder goes: every write fails, even as root
    // (permissions do not stop root; ENOTDIR does), and its probe keeps failing.
    await writeFile(join(brokenData, 'SYS'), 'in the way');
    // One record makes the broken server try, fail, and know it.
    const s = createSocket('udp4');
    cleanups.push(() => void s.close());
    s.send(
      logV2({ sender: 9, seq: 1, records: [{ sysId: 'SYS', fileName: 'spread', msg: 'primer' }] }),
      ports[1]!,
      '127.0.0.1',
    );
    const before = await statsUntil(broken, (st) => !st.writer.writable, 'the broken server to know it');

    const config = await fastPingConfig(d);
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}\n`);
    const both = await runCli(
      [
        '-c',
        config,
        '-s',
        `127.0.0.1:${ports[1]}`,
        '-s',
        `127.0.0.1:${ports[0]}`,
        '--format',
        'raw',
        '--sys',
        'SYS',
        '--file',
        'spread',
      ],
      lines,
    ).exited;
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toMatch(/300 lines read, 300 sent, 0 refused\n$/);
    // At-most-once: the last datagrams may still be on their way to the disk when the run ends.
    await linesReach(healthyData, 'SYS', 'spread', 300);
    const written = await messages(healthyData, 'SYS', 'spread');
    expect(
      exactlyOnce(
        written,
        lines.map((l) => l.slice(0, -1)),
      ),
    ).toEqual({ missing: [], repeated: [], other: [] });
    const after = await statsOf(broken);
    expect(after.records - before.records, 'records taken by the broken server').toBe(0);
    expect(after.writer.writable).toBe(false);

    const alone = await runCli(
      [
        '-c',
        config,
        '-s',
        `127.0.0.1:${ports[1]}`,
        '--format',
        'raw',
        '--sys',
        'SYS',
        '--file',
        'alone',
        '--timeout',
        '1500',
      ],
      ['one\n', 'two\n'],
    ).exited;
    expect(alone.code, alone.stderr).toBe(75);
    expect(alone.stderr).toMatch(/down \(cannot-write\)/);
    expect(alone.stderr).toMatch(/2 lines read, 0 sent, 0 refused, 2 undelivered\b/);
    expect(await logFiles(brokenData)).toEqual([]);
  });
});
