import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameLedger } from '../src/batch/frame-ledger.js';
import type { Lane, QueuedFrame } from '../src/batch/lane.js';
import type { LedgerListener, RecordTracker } from '../src/batch/ledger-types.js';
import type { DropReason } from '../src/client-types.js';
import type { DropReporter } from '../src/events/drop-reporter.js';

const MAX_DATAGRAM = 200;

/** Counts drops (the ledger only calls `drop`). */
class DropCount {
  records = 0;
  drop(_reason: DropReason, records: number): void {
    this.records += records;
  }
}

type Step =
  | { op: 'log'; lane: number; msgBytes: number }
  | { op: 'sealAll' }
  | { op: 'take'; lane: number }
  | { op: 'sendStart' | 'sendEnd' | 'awaitAck' | 'free'; frame: number }
  | { op: 'freeAll'; first: number; count: number }
  | { op: 'reroute'; lane: number }
  | { op: 'clearAll' };

const lane = fc.nat(2);
const frame = fc.nat(40);
const step: fc.Arbitrary<Step> = fc.oneof(
  // Logging weighs most: frames must fill up for the rest to have something to move.
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('log' as const),
      lane,
      msgBytes: fc.integer({ min: 1, max: 320 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'sealAll' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('take' as const), lane }) },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constantFrom('sendStart', 'sendEnd', 'awaitAck', 'free') as fc.Arbitrary<'free'>,
      frame,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('freeAll' as const), first: frame, count: fc.nat(8) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reroute' as const), lane }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clearAll' as const }) },
);

interface Taken {
  q: QueuedFrame;
  /** The frame's bytes when taken: nothing may write into its buffer until it is freed and its sends ended. */
  copy: Buffer;
}

describe('FrameLedger', () => {
  it('bytes held = bytes of frames not yet freed, through any order of transitions', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 60, maxLength: 160 }),
        fc.constantFrom('drop-newest', 'drop-oldest') as fc.Arbitrary<'drop-newest' | 'drop-oldest'>,
        fc.boolean(),
        // A small queue reaches its bound (drops); a big one keeps many spare buffers, so
        // a buffer given back too early is soon written into.
        fc.constantFrom(3_000, 300_000),
        (steps, onFull, sealedLayout, maxQueueBytes) => {
          const drops = new DropCount();
          const signals = { busy: 0, drain: 0, idle: 0 };
          const listener: LedgerListener = {
            busy: () => signals.busy++,
            drain: () => signals.drain++,
            idle: () => signals.idle++,
          };
          const limits = {
            maxDatagramBytes: MAX_DATAGRAM,
            maxQueueBytes,
            highWaterBytes: maxQueueBytes / 2,
            onFull,
          };
          const ledger = new FrameLedger(
            limits,
            7,
            sealedLayout,
            0xffff_fff0,
            drops as unknown as DropReporter,
            listener,
          );
          const lanes: Lane[] = [ledger.parked, ledger.newLane(), ledger.newLane()];
          // A spool: each record is tagged with a segment; what frames done with release is summed.
          const spool = { released: 0 };
          const hook: RecordTracker = {
            release: (spans) => {
              for (let i = 1; i < (spans?.length ?? 0); i += 2) spool.released += spans![i]!;
            },
            settled: () => {},
          };
          ledger.tracker = hook;
          const taken: Taken[] = [];
          let accepted = 0;
          let refused = 0;
          let rerouted = 0;
          let cleared = 0;
          let freedRecords = 0;

          const free = (t: Taken) => {
            if (t.q.stage !== 'freed') freedRecords += t.q.records;
            ledger.free(t.q);
          };
          for (const s of steps) {
            switch (s.op) {
              case 'log':
                if (!ledger.hasRoom()) {
                  ledger.refuse();
                  refused++;
                  break;
                }
                ledger.append(
                  lanes[s.lane]!,
                  { sysId: 'S', msgType: 'T', fileName: 'f', msg: 'm'.repeat(s.msgBytes) },
                  Math.floor(accepted / 7),
                );
                accepted++;
                break;
              case 'sealAll':
                ledger.sealAll();
                break;
              case 'take': {
                const q = ledger.take(lanes[s.lane]!);
                if (q === undefined) break;
                taken.push({ q, copy: Buffer.from(q.frame) });
                let spanned = 0;
                for (let i = 1; i < (q.spans?.length ?? 0); i += 2) spanned += q.spans![i]!;
                expect(spanned, 'a frame spans each of its records once').toBe(q.records);
                break;
              }
              case 'freeAll': {
                const some = taken.slice(s.first, s.first + s.count);
                for (const t of some) if (t.q.stage !== 'freed') freedRecords += t.q.records;
                ledger.freeAll(some.map((t) => t.q));
                break;
              }
              case 'reroute': {
                const records: unknown[] = [];
                const segs: number[] = [];
                ledger.drain(lanes[s.lane]!, records as never[], segs);
                expect(segs.length, 're-routed records keep a segment each').toBe(records.length);
                rerouted += records.length;
                break;
              }
              case 'clearAll':
                cleared += ledger.clearAll();
                break;
              default: {
                // A frame still moving: one done with (freed, no send pending) takes no step.
                const moving = taken.filter((m) => m.q.stage !== 'freed' || m.q.sending > 0);
                const t = moving[s.frame % Math.max(1, moving.length)];
                if (t === undefined) break;
                if (s.op === 'sendStart' && t.q.stage !== 'freed') ledger.sendStarted(t.q);
                if (s.op === 'sendEnd' && t.q.sending > 0) ledger.sendEnded(t.q);
                if (s.op === 'awaitAck') ledger.awaitAck(t.q);
                if (s.op === 'free') free(t);
              }
            }

            const live = taken.filter((t) => t.q.stage !== 'freed');
            const laneBytes = lanes.reduce((sum, l) => sum + l.bytes, 0);
            const liveBytes = live.reduce((sum, t) => sum + t.q.frame.length, 0);
            expect(ledger.held, 'held = lanes + frames taken and not freed').toBe(laneBytes + liveBytes);
            const awaiting = live.filter((t) => t.q.stage === 'awaiting-ack');
            expect(ledger.unacked, 'unacked = frames awaiting an ACK').toBe(
              awaiting.reduce((sum, t) => sum + t.q.frame.length, 0),
            );
            const sending = taken.reduce((sum, t) => sum + t.q.sending, 0);
            expect(ledger.sending, 'sending = sends not ended').toBe(sending);
            expect(ledger.idle, 'idle = nothing held, nothing being sent').toBe(
              ledger.held === 0 && sending === 0,
            );
            // A buffer is reused only once its frame is freed and every send of it ended.
            const owned = taken.filter((t) => t.q.stage !== 'freed' || t.q.sending > 0);
            for (const t of owned)
              expect(t.q.frame.equals(t.copy), `frame ${t.q.seq} was overwritten`).toBe(true);
            expect(new Set(owned.map((t) => t.q.backing)).size, 'two frames share a buffer').toBe(
              owned.length,
            );
            const inLanes = lanes.reduce((sum, l) => sum + l.queuedRecords + l.openRecords, 0);
            const inTaken = live.reduce((sum, t) => sum + t.q.records, 0);
            const droppedOldest = drops.records - refused;
            expect(
              inLanes + inTaken + freedRecords + rerouted + cleared + droppedOldest,
              'records accounted for',
            ).toBe(accepted);
            expect(spool.released, 'released = records of frames done with (freed, dropped oldest)').toBe(
              freedRecords + droppedOldest,
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
