import { readFile } from 'node:fs/promises';
import { type ParsedLine, parseLine } from 'clogs-server';

/**
 * A log file's lines without their LFs, as views of `bytes`. A server writes whole lines,
 * so bytes after the last LF are a line still being written: left out, or with
 * `{ complete: true }` (a file the server has closed) an error.
 */
export function splitLines(bytes: Buffer, options: { complete?: boolean } = {}): Buffer[] {
  const lines: Buffer[] = [];
  let at = 0;
  for (let lf = bytes.indexOf(0x0a); lf >= 0; at = lf + 1, lf = bytes.indexOf(0x0a, at)) {
    lines.push(bytes.subarray(at, lf));
  }
  if (options.complete === true && at !== bytes.length) throw new Error('file does not end with a newline');
  return lines;
}

/** The lines of the log file at `path`; [] when there is no such file. */
export async function readLogLines(path: string): Promise<Buffer[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return splitLines(bytes);
}

/** The log file's lines, parsed; a line that does not parse is an error naming it. */
export async function readParsedLines(path: string): Promise<ParsedLine[]> {
  return (await readLogLines(path)).map((line, i) => {
    const parsed = parseLine(line);
    if (parsed === undefined) throw new Error(`${path}:${i + 1} does not parse: ${line.toString('latin1')}`);
    return parsed;
  });
}

/** The messages of the log file at `path`, in order, as UTF-8 text ([] when there is no such file). */
export async function readMessages(path: string): Promise<string[]> {
  return (await readParsedLines(path)).map((l) => l.msg.toString());
}
