import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ClogsClient } from '@clogs/client';
import { createColors } from 'picocolors';
import { describe, expect, it } from 'vitest';
import { Notices } from '../src/notices.js';
import { safeText } from '../src/safe-text.js';
import { formatSummary } from '../src/summary.js';

/** What a terminal would act on: C0 but LF, DEL, C1, bidirectional overrides and isolates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what the test looks for
const ACTIVE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('safeText', () => {
  it('shows every control character as an escape and keeps the rest', () => {
    expect(safeText('\x1b[2J\x1b]0;pwned\x07')).toBe('\\x1b[2J\\x1b]0;pwned\\x07');
    expect(safeText('a\nb\rc\td\x00\x7f')).toBe('a\\nb\\rc\\td\\x00\\x7f');
    expect(safeText('csi \u009b31m')).toBe('csi \\xc2\\x9b31m');
    expect(safeText('evil\u202egnp.exe \u2066x\u2069')).toBe('evil\\u{202e}gnp.exe \\u{2066}x\\u{2069}');
    for (const fine of ['log-a 10.0.0.5:7070', 'café ☕ 𝄞', '[::1]:7070', 'back\\slash']) {
      expect(safeText(fine)).toBe(fine);
    }
  });
});

describe('what clogs-cli prints of names and warnings from etcd and servers', () => {
  const HOSTILE = 'log-a\x1b]0;pwned\x07\x1b[2J\u202e';

  it('notices of servers up, down, the fleet and config, warnings: no control character reaches the terminal', () => {
    const err = new PassThrough();
    let text = '';
    err.setEncoding('utf8').on('data', (s: string) => {
      text += s;
    });
    const notices = new Notices(err, false, createColors(false));
    const client = Object.assign(new EventEmitter(), {
      stats: () => ({ discovery: { cluster: `pay\x1b[31m` } }),
    }) as unknown as ClogsClient;
    notices.watch(client);
    client.emit('up', { server: HOSTILE });
    client.emit('down', { server: HOSTILE, reason: 'timeout', message: `no pong from ${HOSTILE}` });
    client.emit('fleet', { revision: 3, servers: [HOSTILE, 'log-b'] });
    client.emit('config', { revision: 4, applied: [`pace\x1b[8m`] });
    client.emit('warning', new Error(`send to ${HOSTILE} failed`));
    // a server never said down: named when records were left undelivered
    notices.explainUndelivered([{ name: `${HOSTILE}-2`, state: 'down', rttMs: undefined } as never], 1000);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      expect(line).not.toMatch(ACTIVE);
      expect(line).toMatch(/log-a\\x1b\]0;pwned\\x07\\x1b\[2J\\u\{202e\}|pay\\x1b\[31m|pace\\x1b\[8m/);
    }
  });

  it('the summary', () => {
    const line = formatSummary(
      {
        read: 1,
        sent: 0,
        acked: 0,
        refused: 1,
        blank: 0,
        reasons: { [`bad\x1b[2J`]: 1 },
        undelivered: 0,
        interrupted: undefined,
        stalledMs: undefined,
        allDown: undefined,
      },
      false,
    );
    expect(line).toBe('clogs-cli: 1 line read, 0 sent, 1 refused (1 bad\\x1b[2J)');
  });
});
