/**
 * Protocol benchmark: ns per record to encode and decode 100-byte-message records into
 * 1,432-byte and 8,192-byte frames, ours beside a naive v1 codec and NDJSON, in one run.
 *
 *   pnpm bench            (5 runs, medians)
 *   pnpm bench -- --runs 9 --time 500
 */
import { parseArgs } from 'node:util';
import {
  BatchWriter,
  decodeFrame,
  decodeHeader,
  FrameDecoder,
  type LogRecordInput,
  RecordCursor,
} from '@clogs/protocol';
import { Bench } from 'tinybench';
import { machineLine, median } from './machine.js';
import {
  type BenchRecord,
  jsonEncodeRecord,
  naiveDecodeRecord,
  naiveEncodeRecord,
} from './protocol-peers.js';

const { values } = parseArgs({
  // pnpm passes its own "--" through
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { runs: { type: 'string', default: '5' }, time: { type: 'string', default: '300' } },
});
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

function encodeOurs(writer: BatchWriter): number {
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
const cursor = new RecordCursor();
const decoder = new FrameDecoder();

function addCases(bench: Bench, max: number): void {
  const writer = new BatchWriter({ sender: 1, maxDatagramBytes: max });
  const frames = framesFor(max);
  const jsonFrames = jsonFramesFor(max);
  bench
    .add(`encode ${max} ours`, () => {
      sink += encodeOurs(writer);
    })
    .add(`encode ${max} naive`, () => {
      sink += encodeNaive(max);
    })
    .add(`encode ${max} ndjson`, () => {
      sink += encodeJson(max);
    })
    .add(`decode ${max} ours`, () => {
      for (const f of frames) sink += decodeFrame(f).records.length;
    })
    .add(`decode ${max} ours-decoder`, () => {
      for (const f of frames) sink += decoder.decode(f).records.length;
    })
    .add(`decode ${max} ours-cursor`, () => {
      for (const f of frames) {
        cursor.reset(f, decodeHeader(f));
        while (cursor.next()) sink += cursor.msgLength;
      }
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
console.log(`clogs protocol benchmark: ${machineLine()}`);
console.log(`${BATCH} records of a 100-byte message per iteration, ${RUNS} runs of ${TIME_MS} ms per case\n`);
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
  process.stderr.write(`run ${run}/${RUNS} done\n`);
}

const rows: string[] = [];
const fmt = (n: number) => n.toFixed(0).padStart(6);
for (const op of ['encode', 'decode']) {
  for (const max of [1432, 8192]) {
    const ours = median(perRun.get(`${op} ${max} ours`)!);
    for (const [name, runs] of perRun) {
      if (!name.startsWith(`${op} ${max} `)) continue;
      const ns = median(runs);
      const who = name.slice(`${op} ${max} `.length);
      const ratio = who.startsWith('ours') ? '' : `  ours is ${(ns / ours).toFixed(2)}× faster`;
      const spread = `(runs ${fmt(Math.min(...runs)).trim()}–${fmt(Math.max(...runs)).trim()})`;
      rows.push(
        `${op.padEnd(7)}${String(max).padStart(5)} B  ${who.padEnd(12)}${fmt(ns)} ns/record ${spread}${ratio}`,
      );
    }
  }
}
console.log(rows.join('\n'));
if (sink === -1) console.log(sink);
