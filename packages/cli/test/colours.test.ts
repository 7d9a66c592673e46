import { describe, expect, it } from 'vitest';
import { palettes } from '../src/colours.js';

const RED = '\x1b[31m';
const io = (stdout: boolean, stderr: boolean, env: NodeJS.ProcessEnv = {}) => ({
  stdout: { isTTY: stdout },
  stderr: { isTTY: stderr },
  env,
});

describe('colour, decided once for stdout and stderr', () => {
  it('colours a stream only when it is a terminal', () => {
    const p = palettes(true, io(true, false));
    expect(p.out.red('x')).toBe(`${RED}x\x1b[39m`);
    expect(p.err.red('x')).toBe('x');
  });

  it('never with NO_COLOR set, whatever its value; an empty NO_COLOR is unset', () => {
    expect(palettes(true, io(true, true, { NO_COLOR: '1' })).out.red('x')).toBe('x');
    expect(palettes(true, io(true, true, { NO_COLOR: '0' })).err.red('x')).toBe('x');
    expect(palettes(true, io(true, true, { NO_COLOR: '' })).err.red('x')).toBe(`${RED}x\x1b[39m`);
  });

  it('never with --no-color', () => {
    const p = palettes(false, io(true, true));
    expect([p.out.red('x'), p.err.red('x')]).toEqual(['x', 'x']);
  });
});
