import { createClient, type LogOptions } from '@clogs/client';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLine } from '../src/index.js';
import { REFUSALS, refusalOf } from '../src/refusals.js';

// What a real client's log() and the line parser throw, and the one label each gets.
const client = createClient({ servers: ['127.0.0.1:9 nowhere'] });
afterAll(() => client.close({ timeoutMs: 0 }));

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return refusalOf(err);
  }
  throw new Error('not refused');
};
const log = (msg: string, o: LogOptions) => () =>
  client.log(msg, { sysId: 'PAY1', msgType: 'TXT', fileName: 'app', ...o });

describe('one label per refusal reason', () => {
  it.each([
    ['bad-sys-id', log('x', { sysId: 'TOOLONGSYS' })],
    ['bad-sys-id', log('x', { sysId: 'P/1' })],
    ['bad-msg-type', log('x', { msgType: 'T X' })],
    ['bad-file-name', log('x', { fileName: '.hidden' })],
    ['bad-file-name', log('x', { fileName: '../etc' })],
    ['bad-level', log('x', { level: 99 })],
    ['too-long', log('y'.repeat(65_490), {})],
    ['bad-record', log('x', { headLen: 5 })],
    ['no-msg-type', () => parseLine(Buffer.from('PAY1'), 'clogs')],
    ['empty-message', () => parseLine(Buffer.from('PAY1 TXT'), 'clogs')],
  ])('%s', (label, run) => {
    expect(refusal(run)).toBe(label);
    expect(Object.keys(REFUSALS)).toContain(label);
  });

  it('an error that is no refusal of a line is thrown again', () => {
    const bug = new TypeError('a bug');
    expect(() => refusalOf(bug)).toThrow(bug);
  });
});
