/**
 * Protocol benchmark: ns per record to encode and decode 100-byte-message records into
 * 1,432-byte and 8,192-byte frames, ours beside a naive v1 codec and NDJSON, in one run.
 *
 * On a shared machine one run can be twice as slow as the next, so the figures that
 * compare are taken pair by pair: each run's peer / ours (both measured within a second
 * of each other), then the median and range of those ratios; and each case's minimum over
 * the runs beside its median. `--vs <checkout>` loads that checkout's encoder and decoders
 * (from its sources) beside ours and times one iteration of each back to back, many times
 * a run: the median of this build / that one over those pairs shows a change of 10%
 * between two builds where whole runs cannot.
 *
 *   pnpm bench            (5 runs, medians)
 *   pnpm bench -- --runs 9 --time 500
 *   pnpm bench:protocol -- --runs 9 --vs /tmp/a     (a checkout with pnpm install done)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogRecordInput } from '@clogs/protocol';
import * as thisBuild from '@clogs/protocol';
import { Bench } from 'tinybench';
import { loadLine, machineLine, median } from './machine.js';
import {
  type BenchRecord,
  jsonEncodeRecord,
  naiveDecodeRecord,
  naiveEncodeRecord,
} from './protocol-peers.js';

const { values } = parseArgs({
  // pnpm passes its own "--" through
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '5' },
    time: { type: 'string', default: '300' },
    vs: { type: 'string' },
  },
});
type Protocol = typeof thisBuild;
const other: Protocol | undefined =
  values.vs === undefined
    ? undefined
    : await import(resolve(values.vs, 'packages', 'protocol', 'src', 'index.ts'));
const { BatchWriter } = thisBuild;
const RUNS = Number(values.runs);
const TIME_MS = Number(values.time);
/** Records per timed iteration: long enough that timer overhead vanishes, short enough for many samples. */
const BATCH = 2_000;
const MSG = 'x'.repeat(60) + ' order 1234567 accepted for 99.95 EUR by gw-3 ok'.slice(0, 40); // 100 ASCII bytes
const record: LogRecordInput & BenchRecord = {
  sysId: 'PAY1',
  msgType: 'TXT',
  fileName: 'app',
  level: 3,
  headLen: 0,
  msg: MSG,
};
if (Buffer.byteLength(MSG) !== 100) throw new Error('the benchmark message must be 100 bytes');

function encodeOurs(writer: thisBuild.BatchWriter): number {
  let frames = 0;
  for (let i = 0; i < BATCH; i++) {
    if (!writer.append(record)) {
      writer.finish(frames++);
      writer.reset();
      writer.append(record);
    }
  }
  writer.finish(frames);
  writer.reset();
  return frames;
}

/** Batches BATCH records encoded one at a time by `encodeOne` into frames of at most `max` bytes, the peers' way. */
function encodeBatched(max: number, headerBytes: number, encodeOne: () => Buffer): number {
  let parts: Buffer[] = [];
  let size = headerBytes;
  let frames = 0;
  for (let i = 0; i < BATCH; i++) {
    const rec = encodeOne();
    if (size + rec.length > max) {
      Buffer.concat(headerBytes === 0 ? parts : [Buffer.alloc(headerBytes), ...parts]);
      frames++;
      parts = [];
      size = headerBytes;
    }
    parts.push(rec);
    size += rec.length;
  }
  Buffer.concat(headerBytes === 0 ? parts : [Buffer.alloc(headerBytes), ...parts]);
  return frames;
}

const encodeNaive = (max: number) => encodeBatched(max, 16, () => naiveEncodeRecord(record));
const encodeJson = (max: number) => encodeBatched(max, 0, () => jsonEncodeRecord(record));

/** Frames holding BATCH records in total, as the server would receive them. */
function framesFor(max: number): Buffer[] {
  const w = new BatchWriter({ sender: 1, maxDatagramBytes: max });
  const out: Buffer[] = [];
  for (let i = 0; i < BATCH; i++) {
    if (!w.append(record)) {
      out.push(Buffer.from(w.finish(out.length)));
      w.reset();
      w.append(record);
    }
  }
  out.push(Buffer.from(w.finish(out.length)));
  return out;
}

function jsonFramesFor(max: number): Buffer[] {
  const out: Buffer[] = [];
  let lines: string[] = [];
  let size = 0;
  for (let i = 0; i < BATCH; i++) {
    const line = jsonEncodeRecord(record).toString();
    if (size + line.length > max) {
      out.push(Buffer.from(lines.join('')));
      lines = [];
      size = 0;
    }
    lines.push(line);
    size += line.length;
  }
  out.push(Buffer.from(lines.join('')));
  return out;
}

let sink = 0;
/** With --vs: each of our cases' body in this build and in the other, to be timed in pairs. */
const bodies = new Map<string, (() => void)[]>();

/** Our encoder and decoders of one build, named with `suffix`; frames are the same bytes for both. */
function addOurs(bench: Bench, max: number, p: Protocol, suffix: string, frames: Buffer[]): void {
  const writer = new p.BatchWriter({ sender: 1, maxDatagramBytes: max });
  const cursor = new p.RecordCursor();
  const decoder = new p.FrameDecoder();
  const cases: [string, () => void][] = [
    [
      `encode ${max} ours`,
      () => {
        sink += encodeOurs(writer);
      },
    ],
    [
      `decode ${max} ours`,
      () => {
        for (const f of frames) sink += p.decodeFrame(f).records.length;
      },
    ],
    [
      `decode ${max} ours-decoder`,
      () => {
        for (const f of frames) sink += decoder.decode(f).records.length;
      },
    ],
    [
      `decode ${max} ours-cursor`,
      () => {
        for (const f of frames) {
          cursor.reset(f, p.decodeHeader(f));
          while (cursor.next()) sink += cursor.msgLength;
        }
      },
    ],
  ];
  for (const [name, body] of cases) {
    if (suffix === '') bench.add(name, body);
    if (other !== undefined) bodies.set(name, [...(bodies.get(name) ?? []), body]);
  }
}

/**
 * Times `a` and `b` (one iteration each) back to back, the order swapped every pair, for
 * `ms`; returns the median of the pairs' a / b: both halves of a pair see the same state
 * of the machine, which a run of its own does not.
 */
function paired(a: () => void, b: () => void, ms: number): number {
  const ratios: number[] = [];
  const end = performance.now() + ms;
  for (let flip = false; performance.now() < end; flip = !flip) {
    const t0 = performance.now();
    (flip ? b : a)();
    const t1 = performance.now();
    (flip ? a : b)();
    const t2 = performance.now();
    ratios.push(flip ? (t2 - t1) / (t1 - t0) : (t1 - t0) / (t2 - t1));
  }
  return median(ratios);
}

function addCases(bench: Bench, max: number): void {
  const frames = framesFor(max);
  const jsonFrames = jsonFramesFor(max);
  addOurs(bench, max, thisBuild, '', frames);
  if (other !== undefined) addOurs(bench, max, other, ' (vs)', frames);
  bench
    .add(`encode ${max} naive`, () => {
      sink += encodeNaive(max);
    })
    .add(`encode ${max} ndjson`, () => {
      sink += encodeJson(max);
    })
    .add(`decode ${max} naive`, () => {
      for (const f of frames) {
        for (let p = 16; p < f.length; ) p = naiveDecodeRecord(f, p).next;
      }
    })
    .add(`decode ${max} ndjson`, () => {
      for (const f of jsonFrames) {
        for (const line of f.toString().split('\n')) if (line) sink += JSON.parse(line).level;
      }
    });
}

const perRun = new Map<string, number[]>();
/** With --vs: per case, each run's median of this build / the other, timed in pairs. */
const versus = new Map<string, number[]>();
console.log(`clogs protocol benchmark: ${machineLine()}, load ${loadLine()}`);
console.log(`${BATCH} records of a 100-byte message per iteration, ${RUNS} runs of ${TIME_MS} ms per case`);
if (values.vs !== undefined) console.log(`vs: ${resolve(values.vs)}`);
console.log();
for (let run = 1; run <= RUNS; run++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
  addCases(bench, 1432);
  addCases(bench, 8192);
  await bench.run();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    const ns = (r.latency.p50 * 1e6) / BATCH;
    perRun.set(task.name, [...(perRun.get(task.name) ?? []), ns]);
  }
  for (const [name, [a, b]] of bodies) {
    for (let i = 0; i < 20; i++) paired(a!, b!, 5); // warm both up
    versus.set(name, [...(versus.get(name) ?? []), paired(a!, b!, TIME_MS)]);
  }
  bodies.clear();
  process.stderr.write(`run ${run}/${RUNS} done\n`);
}

const fmt = (n: number) => n.toFixed(0).padStart(6);
/** Median and range of a / b taken run by run. */
const pairs = (a: number[], b: number[]) => {
  const r = a.map((x, i) => x / b[i]!);
  return `${median(r).toFixed(2)}× (runs ${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)}×)`;
};
const rows: string[] = [];
for (const op of ['encode', 'decode']) {
  for (const max of [1432, 8192]) {
    const ours = perRun.get(`${op} ${max} ours`)!;
    for (const [name, runs] of perRun) {
      if (!name.startsWith(`${op} ${max} `)) continue;
      const who = name.slice(`${op} ${max} `.length);
      const spread = `(min ${fmt(Math.min(...runs)).trim()}, runs ${fmt(Math.min(...runs)).trim()}–${fmt(Math.max(...runs)).trim()})`;
      const ratio = who.startsWith('ours') ? '' : `  ours is faster ${pairs(runs, ours)}`;
      rows.push(
        `${op.padEnd(7)}${String(max).padStart(5)} B  ${who.padEnd(12)}${fmt(median(runs))} ns/record ${spread}${ratio}`,
      );
    }
  }
}
console.log(rows.join('\n'));
if (other !== undefined) {
  console.log('\nthis build / the --vs build, iterations timed in pairs (below 1: this build is faster):');
  for (const [name, r] of versus)
    console.log(
      `  ${name.padEnd(26)} ${median(r).toFixed(3)}  (each run's median of pairs: ${r.map((x) => x.toFixed(3)).join(' ')})`,
    );
}
console.log(`load at the end: ${loadLine()}`);
if (sink === -1) console.log(sink);
