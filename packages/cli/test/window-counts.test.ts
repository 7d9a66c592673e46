// The counts of --follow across windows read again, with lines refused by log() when
// the queue is full (onFull 'drop-newest'): those are dropped but never accepted, so a
// mark that settles after them must not count them off the records acknowledged.
import type { ClientStats } from '@clogs/client';
import { describe, expect, it } from 'vitest';
import { WindowCounts } from '../src/follow/window-counts.js';
import { emptySummary, settle } from '../src/summary.js';

describe('WindowCounts', () => {
  it('lines refused for a full queue, read again twice with a mark settled between: each line counted once', () => {
    const summary = { ...emptySummary(), read: 0 };
    const client = { accepted: 0, acked: 0, queueFull: 0 };
    const stats = () =>
      ({
        accepted: client.accepted,
        acked: client.acked,
        dropped: { queue_full: client.queueFull, spool_full: 0, closed: 0 },
      }) as unknown as ClientStats;
    const counts = new WindowCounts(summary, stats);
    /** `n` lines read: `refused` of them refused by log() for a full queue, the others acknowledged. */
    const read = (n: number, refused: number) => {
      summary.read += n;
      client.accepted += n - refused;
      client.acked += n - refused;
      client.queueFull += refused;
    };
    read(10, 2);
    // A mark settles with the drops: the window is read again from the start.
    counts.readAgain();
    read(10, 0);
    // A mark after the 10 lines settles, nothing dropped since: the checkpoint moves there.
    counts.committed(counts.linesNow(), client.accepted, client.queueFull, client.queueFull);
    read(5, 1);
    counts.readAgain();
    read(5, 0);
    settle(summary, stats(), 0);
    counts.settle();
    expect({
      read: summary.read,
      sent: summary.sent,
      acked: summary.acked,
      undelivered: summary.undelivered,
    }).toEqual({
      read: 15,
      sent: 15,
      acked: 15,
      undelivered: 0,
    });
  });

  it('lines refused for a full queue and not read again (a stop came first): undelivered, the rest sent', () => {
    const summary = { ...emptySummary(), read: 10 };
    const stats = () =>
      ({
        accepted: 8,
        acked: 8,
        dropped: { queue_full: 2, spool_full: 0, closed: 0 },
      }) as unknown as ClientStats;
    const counts = new WindowCounts({ ...emptySummary(), read: 0 }, stats);
    settle(summary, stats(), 0);
    counts.settle();
    expect({ sent: summary.sent, acked: summary.acked, undelivered: summary.undelivered }).toEqual({
      sent: 8,
      acked: 8,
      undelivered: 2,
    });
  });
});
