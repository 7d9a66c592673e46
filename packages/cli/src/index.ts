import { BatchWriter, decodeFrame, Flag, LEVEL_NAMES, Level, nowUs } from '@clogs/protocol';

/** Where the program writes; injected so tests can drive it. */
export interface CliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function hexDump(bytes: Buffer): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`  ${at.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}

/**
 * clogs-cli. Until the shell and pipe mode land (their own issue), it shows wire
 * format v1 at work: two records batched into one LOG frame, and the frame decoded back.
 * @returns the process exit code.
 */
export async function main(argv: readonly string[], streams: CliStreams): Promise<number> {
  const out = streams.stdout;
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write('usage: clogs-cli\n\nFor now: prints a demo of the clogs wire format v1.\n');
    return 0;
  }
  if (argv.length > 0) {
    streams.stderr.write(`clogs-cli: unknown arguments: ${argv.join(' ')} (try --help)\n`);
    return 64;
  }
  const writer = new BatchWriter({ sender: 0x0c10_6501 });
  writer.append({
    sysId: 'PAY1',
    msgType: 'TXT',
    fileName: 'app',
    level: Level.INFO,
    msg: 'hello from clogs',
  });
  writer.append({
    sysId: 'PAY1',
    msgType: '8583',
    fileName: 'trade',
    level: Level.WARN,
    headLen: 4,
    msg: '0200card',
  });
  const frame = writer.finish(1, Flag.ACK_WANTED);
  out.write(
    `clogs wire format v1: 2 records in one ${frame.length}-byte LOG frame\n${hexDump(frame)}\n\ndecoded:\n`,
  );
  for (const r of decodeFrame(frame).records) {
    const when = new Date(Math.floor(r.timeUs / 1000)).toISOString();
    out.write(
      `  ${when} ${LEVEL_NAMES[r.level]} ${r.sysId} ${r.msgType} ${r.fileName}.log: ${r.msg.toString()}\n`,
    );
  }
  out.write(
    `\n(time now: ${nowUs()} µs since the epoch)\nThe interactive shell, pipe mode and embedded server come next.\n`,
  );
  return 0;
}
