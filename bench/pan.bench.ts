/**
 * Card number masking: how often numbers that are not card numbers get masked (false
 * positives, Luhn alone and Luhn with the brands' prefixes and lengths), and what masking
 * costs per record (100-byte messages, strings and bytes, with and without digits).
 *
 *   pnpm --filter @clogs/bench run bench:pan -- --runs 5 --time 300
 */
import { parseArgs } from 'node:util';
import { BatchWriter, PanFinder, Redactor } from '@clogs/protocol';
import { Bench } from 'tinybench';
import { loadLine, machineLine, median } from './machine.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    runs: { type: 'string', default: '5' },
    time: { type: 'string', default: '300' },
    samples: { type: 'string', default: '100000' },
  },
});
const RUNS = Number(values.runs);
const TIME_MS = Number(values.time);
const SAMPLES = Number(values.samples);
const BATCH = 2_000;

// A seeded generator: the same numbers on every run and machine.
let state = 0x9e3779b9;
function random(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
}
const digit = () => String(Math.floor(random() * 10));
const digits = (n: number) => Array.from({ length: n }, digit).join('');
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

/** Data that holds no card number, as logs carry it. */
const KINDS: [string, () => string][] = [
  // 2023..2030 in µs: 16 digits starting 16..19
  ['µs timestamps (16 digits)', () => `ts=${int(1_672_531_200, 1_924_991_999)}${digits(6)}`],
  ['ms timestamps (13 digits)', () => `ts=${int(1_672_531_200, 1_924_991_999)}${digits(3)}`],
  ['random 16-digit order ids', () => `order ${int(1, 9)}${digits(15)}`],
  ['random 13–19-digit ids', () => `id ${int(1, 9)}${digits(int(12, 18))}`],
  [
    'phone numbers',
    () =>
      [
        `+${int(1, 99)} ${digits(3)} ${digits(3)} ${digits(4)}`,
        `00${int(1, 99)}${digits(10)}`,
        `+${int(1, 99)}${digits(11)}`,
      ][int(0, 2)]!,
  ],
  [
    'amounts, spaces between thousands (13–15 digits)',
    () => `${int(1, 999)} ${digits(3)} ${digits(3)} ${digits(3)} ${digits(3)},${digits(2)} EUR`,
  ],
  ['lists of counts, space-separated', () => Array.from({ length: 8 }, () => int(0, 9999)).join(' ')],
  ['numeric ISO 8583 fields without a PAN (40 digits)', () => `0200${digits(36)}`],
];

console.log(`clogs card-number masking benchmark: ${machineLine()}, load ${loadLine()}`);
console.log(`\nfalse positives: ${SAMPLES.toLocaleString('en')} samples of each kind (seeded), masked by`);
const luhnOnly = new PanFinder({ anyBrand: true });
const branded = new PanFinder();
console.log(`${'kind'.padEnd(50)} ${'Luhn only'.padStart(10)} ${'Luhn+brand'.padStart(11)}`);
for (const [kind, make] of KINDS) {
  let a = 0;
  let b = 0;
  for (let i = 0; i < SAMPLES; i++) {
    const s = make();
    if (luhnOnly.find(s) > 0) a++;
    if (branded.find(s) > 0) b++;
  }
  const pct = (n: number) => `${((100 * n) / SAMPLES).toFixed(2)}%`;
  console.log(`${kind.padEnd(50)} ${pct(a).padStart(10)} ${pct(b).padStart(11)}`);
}

// Cost: 100-byte messages.
const pad = (s: string) => s.padEnd(100, ' .').slice(0, 100);
const MESSAGES: Record<string, string> = {
  'no digits': pad('user alice logged in from the web console; session kept alive by the gateway'),
  // the common case: numbers, none long enough to be a card's
  'short numbers': pad('order 1234567 accepted for 99.95 EUR by gw-3 at 12:41:07, 3 items, ref 88123'),
  'digits, no PAN': pad('order 1234567 ts=1700000000123456 paid 99.95 EUR id 9876543210123 by gw-3'),
  'one PAN': pad('auth ok pan=4111111111111111 amount 99.95 EUR by gw-3 ref 123456'),
};
const redactor = new Redactor({ pan: true });
let sink = 0;
// The yardstick, in the same run: encoding the record into a frame, what log() does anyway.
const writer = new BatchWriter({ sender: 1, maxDatagramBytes: 8192 });
const record = { sysId: 'PAY1', msgType: 'TXT', fileName: 'app', level: 3, msg: MESSAGES['no digits']! };
const bench = () => {
  const b = new Bench({ time: TIME_MS, warmupTime: 100 });
  b.add('encode (yardstick)', () => {
    for (let i = 0; i < BATCH; i++) {
      if (!writer.append(record)) {
        writer.reset();
        writer.append(record);
      }
    }
    sink += writer.finish(1).length;
    writer.reset();
  });
  for (const [name, msg] of Object.entries(MESSAGES)) {
    const bytes = Buffer.from(msg);
    b.add(`string ${name}`, () => {
      for (let i = 0; i < BATCH; i++) sink += redactor.redact(msg).length;
    });
    b.add(`bytes ${name}`, () => {
      for (let i = 0; i < BATCH; i++) sink += redactor.redact(bytes).length;
    });
  }
  return b;
};
const perRun = new Map<string, number[]>();
for (let run = 1; run <= RUNS; run++) {
  const b = bench();
  await b.run();
  for (const task of b.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
    perRun.set(task.name, [...(perRun.get(task.name) ?? []), (r.latency.p50 * 1e6) / BATCH]);
  }
  process.stderr.write(`run ${run}/${RUNS} done\n`);
}
console.log(
  `\ncost of redact({ pan: true }) per 100-byte message, ${RUNS} runs of ${TIME_MS} ms (off: no call, 0 ns)`,
);
for (const [name, runs] of perRun) {
  console.log(
    `${name.padEnd(24)} ${median(runs).toFixed(0).padStart(5)} ns/record (runs ${Math.min(...runs).toFixed(0)}–${Math.max(...runs).toFixed(0)})`,
  );
}
console.log(`load at the end: ${loadLine()}`);
if (sink === -1) console.log(sink);
