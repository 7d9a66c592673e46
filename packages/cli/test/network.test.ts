// clogs-cli on networks that are not loopback's: through a lossy link process (delay,
// loss, reordering, duplication), into servers that never ACK or whose disk is slow,
// and with a server SIGKILLed mid-stream. Every line checked in the files.
import { describe, expect, it, vi } from 'vitest';
import { startLink } from '../../../test/support/link-process.js';
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
const exactlyOnce = { missing: [], repeated: [], missingCount: 0 };

/** The stats line a server process printed on stopping. */
const finalStats = (stderr: string) =>
  JSON.parse(/clogs-server stopped (\{.*\})\n/.exec(stderr)?.[1] ?? 'null') as {
    records: number;
    dropped: { writer_behind: number };
  } | null;

describe('clogs-cli through a lossy link process: 50 ms RTT, 5% loss each way, reordering, duplication', () => {
  it('--ack: every line delivered exactly once, exit 0', async () => {
    const f = await fleet(1);
    const port = Number(f.specs[0]!.split(':')[1]!.split(' ')[0]);
    const link = await startLink(port, [
      '--delay',
      '25',
      '--jitter',
      '2',
      '--loss',
      '0.05',
      '--reorder',
      '0.02',
      '--duplicate',
      '0.02',
      '--seed',
      '3',
    ]);
    cleanups.push(async () => void (await link.stop().catch(() => undefined)));
    const N = 50_000;
    const run = shellPipeline(producerCommand(['fast', String(N)]), [
      '-s',
      `127.0.0.1:${link.port} far`,
      '--ack',
      '--max-datagram',
      '8192',
      '--timeout',
      '60000',
    ]);
    const { code, stderr } = await run.exited;
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, ${N} acked, 0 refused`);
    expect(code, stderr).toBe(0);
    const shaped = await link.stop();
    // The link really was lossy, both ways, and duplicated and reordered.
    expect(shaped.up.lost).toBeGreaterThan(0);
    expect(shaped.down.lost).toBeGreaterThan(0);
    expect(shaped.up.duplicated).toBeGreaterThan(0);
    expect(shaped.up.reordered).toBeGreaterThan(0);
    await f.stop();
    // Resends and duplicated datagrams are deduped by the server: each line once.
    expect(misses((await countProduced(f.dirs, N)).counts)).toEqual(exactlyOnce);
  }, 60_000);
});

describe('servers that misbehave', () => {
  it('at-most-once into a server that answers pings but never ACKs: keeps moving (open loop), every line there, exit 0', async () => {
    const f = await fleet(1, ['--fault-no-ack']);
    const N = 20_000;
    const started = performance.now();
    const run = shellPipeline(producerCommand(['fast', String(N)]), ['-s', f.specs[0]!, '-c', FAST_PING]);
    const { code, stderr } = await run.exited;
    const ms = performance.now() - started;
    expect(stderr).toMatch(/s0 answers pings but sent no ACK for \d+ ms: sending to it open-loop/);
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, 0 refused`);
    expect(code, stderr).toBe(0);
    // No ACK for 3 pings of 200 ms, then open loop: about a second with start-up. It used
    // to deliver 1,738 of 20,000 in 30 s.
    expect(ms).toBeLessThan(3000);
    await f.stop();
    expect(misses((await countProduced(f.dirs, N)).counts)).toEqual(exactlyOnce);
  });

  it('--ack into a server that never ACKs: it is taken out (no-ack), named, and the lines are undelivered: exit 75', async () => {
    const f = await fleet(1, ['--fault-no-ack']);
    const run = shellPipeline(producerCommand(['fast', '1000']), [
      '-s',
      f.specs[0]!,
      '-c',
      FAST_PING,
      '--ack',
      '--timeout',
      // Past the verdict: a server never heard from has 2 s for its first ACK.
      '4000',
      // Waits for --timeout past the verdict (fail-fast.test.ts has the run that ends at it).
      '--wait-for-servers',
    ]);
    const { code, stderr } = await run.exited;
    expect(stderr).toMatch(/server s0 down \(no-ack\): answers pings but acknowledged nothing for \d+ ms/);
    // The down notice says it; the client's ERR_CLIENT_NO_ACK warning of the same verdict is not said again.
    expect(stderr.match(/acknowledged nothing/g), stderr).toHaveLength(1);
    expect(summaryLine(stderr)).toMatch(
      /^clogs-cli: 1000 lines read, 0 sent, 0 acked, 0 refused, 1000 undelivered$/,
    );
    expect(code, stderr).toBe(75);
  });

  it("--ack with default settings, one of three servers SIGKILLed mid-stream: every line in the survivors' files or written before the kill", async () => {
    const f = await fleet(3);
    const N = 200_000;
    const run = shellPipeline(producerCommand(['fast', String(N)]), [
      ...f.specs.flatMap((s) => ['-s', s]),
      '--ack',
      '--timeout',
      '60000',
    ]);
    // Mid-stream: the first server has written some of its share.
    await vi.waitFor(async () => expect(await producedBytes([f.dirs[0]!])).toBeGreaterThan(1_000_000), {
      timeout: 30_000,
      interval: 10,
    });
    f.procs[0]!.child.kill('SIGKILL');
    const { code, stderr } = await run.exited;
    expect(stderr).toMatch(/server s0 down/);
    expect(summaryLine(stderr)).toBe(`clogs-cli: ${N} lines read, ${N} sent, ${N} acked, 0 refused`);
    expect(code, stderr).toBe(0);
    for (const p of f.procs.slice(1)) p.child.kill('SIGTERM');
    await Promise.all(f.procs.map((p) => p.exited));
    const { counts } = await countProduced(f.dirs, N);
    // Nothing lost; a line the killed server wrote but could not ACK may be written twice.
    expect(misses(counts).missingCount).toBe(0);
  }, 90_000);

  it('a slow disk: the server delays its ACKs, the client slows down, nothing is dropped; ACKing early instead drops', async () => {
    const attempt = async (n: number, serverArgs: string[]) => {
      const f = await fleet(1, ['--fault-write-delay', '3', ...serverArgs]);
      const run = shellPipeline(producerCommand(['fast', String(n)]), [
        '-s',
        f.specs[0]!,
        '--max-datagram',
        '8192',
      ]);
      const { code, stderr } = await run.exited;
      await f.stop();
      return { code, stderr, stats: finalStats(f.procs[0]!.stderr) };
    };
    // At its defaults (ACK after write, a 64 MiB bound): the client's startup probing
    // queues a few MB at the slow disk at most, then the ACKs' pace holds it.
    const paced = await attempt(100_000, []);
    expect(paced.code, paced.stderr).toBe(0);
    expect(paced.stats).toMatchObject({ records: 100_000, dropped: { writer_behind: 0 } });
    // Against early ACKs the client outruns the disk past the 1 MiB bound: records are
    // dropped. (Fewer lines: once the server drops, the client slows to a crawl.)
    const early = await attempt(20_000, ['--ack-early', '--max-pending', '1M']);
    expect(early.stats!.dropped.writer_behind).toBeGreaterThan(0);
    expect(early.stats!.records).toBeLessThan(20_000);
  }, 90_000);
});
