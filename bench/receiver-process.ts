/**
 * Starts bench/receiver.ts in its own process and talks to it over IPC: the
 * receiving side of the client and CLI benchmarks.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';

export interface Counts {
  records: number;
  datagrams: number;
  kernelDrops: number;
  /** clogs-server only: datagrams it dropped (writer behind, malformed, ...). */
  serverDrops?: number;
  /** 'lines' and 'tcp' only: how many distinct line numbers of line-file.ts's lines came. */
  distinct?: number;
  /** process.hrtime.bigint() (CLOCK_MONOTONIC, one clock for all processes here) of the last datagram in, as a string. */
  lastAt: string;
}

/** What receives (see receiver.ts): clogs-server ACKing after the write or on arrival, or a counter. */
export type Mode = 'clogs ack-after-write' | 'clogs ack-on-arrival' | 'lines' | 'tcp' | 'count';

export interface Receiver {
  port: number;
  /** The receiver's process, for its CPU time. */
  pid: number;
  stats(): Promise<Counts>;
  stop(): Promise<void>;
}

/**
 * `benchDir`: whose receiver.ts runs, this checkout's by default (compare-builds.ts runs
 * another's). `key`: the clogs-server's key (its frames sealed), none by default.
 */
export async function receiver(mode: Mode, benchDir = import.meta.dirname, key?: Buffer): Promise<Receiver> {
  const env = key === undefined ? process.env : { ...process.env, CLOGS_BENCH_KEY: key.toString('hex') };
  const child: ChildProcess = fork('receiver.ts', mode.split(' '), {
    cwd: benchDir,
    env,
    execArgv: ['--import', 'tsx', '--conditions=source'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  return {
    port,
    pid: child.pid!,
    async stats() {
      child.send('stats');
      const [s] = (await once(child, 'message')) as [Counts];
      return s;
    },
    async stop() {
      child.send('stop');
      await once(child, 'exit');
    },
  };
}

/** Waits until the receiver has `expected` records, or its count stopped moving for 1 s. */
export async function settle(r: Receiver, expected: number): Promise<Counts> {
  let s = await r.stats();
  for (let still = 0, last = -1; still < 20 && s.records < expected; ) {
    await new Promise((res) => setTimeout(res, 50));
    s = await r.stats();
    still = s.records === last ? still + 1 : 0;
    last = s.records;
  }
  return s;
}
