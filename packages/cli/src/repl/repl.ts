import { chmod, readFile, writeFile } from 'node:fs/promises';
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { parseLevel } from '@clogs/protocol';
import type { Colors } from '../colours.js';
import { mostSpecificMessage } from '../errors.js';
import { LineParser } from '../line/parse-line.js';
import { refusalOf } from '../refusals.js';
import { countRefused } from '../summary.js';
import { acknowledge } from './acknowledge.js';
import { COMMANDS, complete, type ShellState } from './commands.js';
import { fieldsInDoubt } from './line-check.js';

export interface ReplIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ReplOptions {
  /** `~/.clogs_history`, or undefined for none. */
  historyFile: string | undefined;
  historySize: number;
  colors: Colors;
  /** What the history file keeps of a line: masked as its record is (undefined: the line). */
  redact?: ((line: string) => string) | undefined;
  /** How long an acknowledgement waits for its record to go (with ack: its ACK), ms. */
  ackTimeoutMs: number;
  /** Called once the shell runs, with the function that prints above its prompt. */
  onReady?: (print: (line: string) => void) => void;
}

/**
 * Reads the history file, newest line first (readline's order), each line once (its
 * newest use); a missing file is an empty history.
 */
async function loadHistory(path: string, size: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const newestFirst = new Set(text.split('\n').reverse());
  newestFirst.delete('');
  return [...newestFirst].slice(0, size);
}

/**
 * The interactive shell: one record per line, dot-commands from {@link COMMANDS}, tab
 * completion, history, events printed above the prompt. Resolves when the user leaves
 * (`.exit`, Ctrl-D, Ctrl-C twice on an empty line).
 */
export async function runRepl(
  state: Omit<ShellState, 'print' | 'exit'>,
  io: ReplIo,
  o: ReplOptions,
): Promise<void> {
  const c = o.colors;
  const terminal = io.stdout.isTTY === true && io.stdin.isTTY === true;
  const history = o.historyFile === undefined ? [] : await loadHistory(o.historyFile, o.historySize);
  const rl: Interface = createInterface({
    input: io.stdin,
    output: io.stdout,
    terminal,
    completer: complete,
    history,
    historySize: o.historySize,
    removeHistoryDuplicates: true,
  });
  let historyBroken = false;
  /** readline is closed (Ctrl-D, .exit): a prompt drawn then would throw. */
  let closed = false;
  const print = (line: string) => {
    if (terminal && !closed) {
      // Above the prompt, and the line being typed is drawn again below it.
      clearLine(io.stdout, 0);
      cursorTo(io.stdout, 0);
      io.stdout.write(`${line}\n`);
      rl.prompt(true);
    } else {
      io.stdout.write(`${line}\n`);
    }
  };
  const s = state as ShellState;
  // `.format` switches between them.
  const parsers = { clogs: new LineParser('clogs', s.keepEmpty), raw: new LineParser('raw', s.keepEmpty) };
  s.print = print;
  let leaving = false;
  /** Lines sent so far: an acknowledgement names its line by number. */
  let taken = 0;
  // Acknowledgements come later, above the prompt: on a terminal only, and not once leaving.
  const printLater = (line: string) => {
    if (!leaving) print(line);
  };
  const done = new Promise<void>((resolve) =>
    rl.once('close', () => {
      closed = true;
      leaving = true;
      resolve();
    }),
  );
  s.exit = () => {
    leaving = true;
    rl.close();
  };
  const setPrompt = () =>
    rl.setPrompt(
      `${c.cyan('clogs')} ${c.dim(`${s.sys}/${s.type}/${s.file}`)}${s.format === 'raw' ? c.dim(' raw') : ''}${s.session.ack ? c.green(' ack') : ''}> `,
    );

  // Kept here, not through readline's 'history' event (a TTY only): every line typed
  // is saved, newest last, capped, written whole (mode 0600) one write at a time.
  const saved = [...history].reverse();
  let saving = Promise.resolve();
  const remember = (line: string) => {
    if (o.historyFile === undefined || historyBroken || saved.at(-1) === line) return;
    // Once in the file, at its newest use (readline's removeHistoryDuplicates does the same in memory).
    const earlier = saved.indexOf(line);
    if (earlier >= 0) saved.splice(earlier, 1);
    saved.push(line);
    if (saved.length > o.historySize) saved.splice(0, saved.length - o.historySize);
    const file = o.historyFile;
    const text = `${saved.join('\n')}\n`;
    saving = saving
      .then(() => writeFile(file, text, { mode: 0o600 }))
      .then(() => chmod(file, 0o600))
      .catch((err: Error) => {
        if (historyBroken) return;
        historyBroken = true;
        print(c.yellow(`clogs-cli: history not saved (${err.message}); carrying on`));
      });
  };

  let interrupts = 0;
  rl.on('SIGINT', () => {
    if (rl.line.length > 0) {
      // Clears the line being typed, as a shell does.
      rl.write(null, { ctrl: true, name: 'u' });
      interrupts = 0;
      return;
    }
    if (++interrupts >= 2) return s.exit();
    print(c.dim('(Ctrl-C again, Ctrl-D or .exit to leave)'));
  });

  const handle = async (raw: string) => {
    const line = raw.trim();
    const bytes = Buffer.from(raw, 'utf8');
    const parser = parsers[s.format];
    // Blank: skipped and counted, as in pipe mode (not remembered either).
    if (!line.startsWith('.') && parser.skips(bytes, 0, bytes.length)) {
      s.summary.blank++;
      return;
    }
    remember(o.redact === undefined ? raw : o.redact(raw));
    if (line.startsWith('.')) {
      const [name, ...args] = line.split(/\s+/);
      const command = COMMANDS.find((x) => x.name === name);
      if (command === undefined) return print(c.red(`unknown command ${name} (try .help)`));
      await command.run(s, args);
      return;
    }
    try {
      const p = parser.parse(bytes, 0, bytes.length);
      const sysId = p.sysId ?? s.sys;
      const msgType = p.msgType ?? s.type;
      const doubt = p.sysId === undefined ? undefined : fieldsInDoubt(sysId, msgType, s);
      if (doubt !== undefined) {
        countRefused(s.summary, 'not-fields');
        return print(c.red(`refused: ${doubt}`));
      }
      s.session.log(p.msg, { sysId, msgType, fileName: s.file, level: parseLevel(s.level) });
      // Only a line that was taken becomes the prompt's default: a refused one changes nothing.
      s.sys = sysId;
      s.type = msgType;
      taken++;
      if (terminal) {
        const key = `${sysId}/${s.file}`;
        acknowledge(s.session, { n: taken, key, timeoutMs: o.ackTimeoutMs, colors: c }, printLater);
      }
    } catch (err) {
      // Counted under its reason; anything else (a bug) is said, and the shell goes on.
      let reason: string;
      try {
        reason = refusalOf(err);
      } catch {
        return print(c.red(`error: ${(err as Error).message}`));
      }
      countRefused(s.summary, reason);
      print(c.red(`refused: ${mostSpecificMessage(err)}`));
    }
  };

  let queue = Promise.resolve();
  rl.on('line', (raw) => {
    interrupts = 0;
    queue = queue
      .then(() => handle(raw))
      .then(() => {
        if (leaving) return;
        setPrompt();
        rl.prompt();
      });
  });
  setPrompt();
  rl.prompt();
  o.onReady?.(print);
  await done;
  await queue;
  await saving;
}
