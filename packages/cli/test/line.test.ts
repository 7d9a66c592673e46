import { describe, expect, it } from 'vitest';
import { LineParser, LineSplitter, parseLine } from '../src/index.js';
import { complete } from '../src/repl/commands.js';

const split = (chunks: (string | Buffer)[], max = 100) => {
  const s = new LineSplitter(max);
  const lines: string[] = [];
  const line = () => lines.push(s.buf.toString('latin1', s.start, s.end));
  for (const c of chunks) {
    s.feed(Buffer.from(c));
    while (s.next()) line();
  }
  while (s.finish()) line();
  return { lines, tooLong: s.tooLong };
};

describe('LineSplitter', () => {
  it('cuts on LF, takes CRLF as LF, keeps lines cut across chunks and a last line without LF', () => {
    expect(split(['a\nb\r\nc', 'd\r', '\ne\n\nf'])).toEqual({
      lines: ['a', 'b', 'cd', 'e', '', 'f'],
      tooLong: 0,
    });
  });

  it('keeps bytes as they are: invalid UTF-8 goes through', () => {
    const s = new LineSplitter(100);
    s.feed(Buffer.from([0x66, 0xff, 0xc3, 0x0a]));
    expect(s.next()).toBe(true);
    expect(s.buf.subarray(s.start, s.end)).toEqual(Buffer.from([0x66, 0xff, 0xc3]));
    expect(s.next()).toBe(false);
  });

  it('counts a line past the limit and skips it to its LF, without holding it', () => {
    const long = 'x'.repeat(50);
    expect(split([`ok\n${long}`, long, `${long}\nnext\n`], 100)).toEqual({
      lines: ['ok', 'next'],
      tooLong: 1,
    });
    expect(split(['y'.repeat(101)], 100)).toEqual({ lines: [], tooLong: 1 });
    expect(split([`${'z'.repeat(100)}\r\n`], 100)).toEqual({ lines: ['z'.repeat(100)], tooLong: 0 });
  });
});

describe('parseLine', () => {
  it('clogs: "sys_id msg_type msg", the message kept byte for byte after the blanks', () => {
    const p = parseLine(Buffer.from('PAY1\tXML   <a> b  c </a>'), 'clogs');
    expect(p).toMatchObject({ sysId: 'PAY1', msgType: 'XML' });
    expect(p.msg.toString()).toBe('<a> b  c </a>');
  });

  it('clogs: refuses a line without a message or a type, with a reason', () => {
    expect(() => parseLine(Buffer.from('PAY1 TXT'), 'clogs')).toThrow(/empty message/);
    expect(() => parseLine(Buffer.from('PAY1'), 'clogs')).toThrow(/no msg_type/);
    expect(() => parseLine(Buffer.from('   '), 'clogs')).toThrow(
      expect.objectContaining({ code: 'ERR_CLI_BAD_LINE' }),
    );
  });

  it('a blank line (empty, spaces and tabs) is skipped; with keepEmpty in raw format it is a message', () => {
    const blank = Buffer.from(' \t ');
    const word = Buffer.from(' x');
    expect(new LineParser('clogs').skips(blank, 0, blank.length)).toBe(true);
    expect(new LineParser('clogs', true).skips(blank, 0, blank.length)).toBe(true);
    expect(new LineParser('raw').skips(blank, 0, blank.length)).toBe(true);
    expect(new LineParser('raw').skips(blank, 0, 0)).toBe(true);
    expect(new LineParser('raw', true).skips(blank, 0, blank.length)).toBe(false);
    expect(new LineParser('clogs').skips(word, 0, word.length)).toBe(false);
    expect(parseLine(Buffer.from('PAY1 TXT'), 'clogs', true).msg).toEqual(Buffer.alloc(0));
  });

  it('raw: the line is the message', () => {
    expect(parseLine(Buffer.from('PAY1 TXT x'), 'raw')).toMatchObject({
      sysId: undefined,
      msgType: undefined,
    });
    expect(() => parseLine(Buffer.alloc(0), 'raw')).toThrow(/empty message/);
  });

  it('a parser reads lines inside a larger buffer, one after another, tokens repeating or changing', () => {
    const parser = new LineParser('clogs');
    const text = Buffer.from('xxPAY1 TXT one\nPAY1 TXT two\nPAY2 TXT three');
    const first = parser.parse(text, 2, 14);
    const sys = first.sysId;
    expect({ ...first, msg: first.msg.toString() }).toEqual({ sysId: 'PAY1', msgType: 'TXT', msg: 'one' });
    const second = parser.parse(text, 15, 27);
    expect(second.msg.toString()).toBe('two');
    expect(second.sysId).toBe(sys);
    const third = parser.parse(text, 28, text.length);
    expect({ ...third, msg: third.msg.toString() }).toEqual({ sysId: 'PAY2', msgType: 'TXT', msg: 'three' });
  });
});

describe('shell completion', () => {
  it('completes dot-commands, then their first argument', () => {
    expect(complete('.se')).toEqual([['.servers', '.set'], '.se']);
    expect(complete('.rel')).toEqual([['.reload'], '.rel']);
    expect(complete('.set l')).toEqual([['level'], 'l']);
    expect(complete('.ack ')).toEqual([['on', 'off'], '']);
    expect(complete('PAY1 TXT hello')).toEqual([[], 'PAY1 TXT hello']);
  });
});
