import type { ClientStats } from '@clogs/client';
import { describeLevels, levelName, parseLevel } from '@clogs/protocol';
import { mostSpecificMessage } from '../errors.js';
import { fileNameOf, LOG_EXTENSION } from '../file-name.js';
import type { LineFormat } from '../line/parse-line.js';
import { safeText } from '../safe-text.js';
import type { Session } from '../session.js';
import type { RunSummary } from '../summary.js';
import { fieldProblem } from './field-check.js';

/** What the shell's commands work on. */
export interface ShellState {
  /** The client and the embedded server: sends, stats, routes, `.ack` and `.reload`. */
  session: Session;
  sys: string;
  type: string;
  file: string;
  level: string;
  format: LineFormat;
  /** `--keep-empty`: lines with an empty message are sent. */
  keepEmpty: boolean;
  /** Prints one line above the prompt. */
  print(line: string): void;
  /** What the shell's lines did: refusals by reason; settled into the exit summary. */
  summary: RunSummary;
  exit(): void;
}

export interface Command {
  name: string;
  /** Shown by .help after the name. */
  usage: string;
  help: string;
  /** Completions for the first argument. */
  args?: readonly string[];
  run(state: ShellState, args: string[]): void | Promise<void>;
}

/** Rows in columns; cells may come from etcd or a server, so each is made safe first. */
function table(cells: string[][]): string[] {
  const rows = cells.map((r) => r.map(safeText));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

const count = (n: number) => `${n} server${n === 1 ? '' : 's'}`;

/** Where the fleet comes from: `static list` or `etcd <cluster> rev N`, and whether etcd answers. */
function source({ discovery: d, servers }: ClientStats): string {
  if (d === undefined) return `from: static list, ${count(servers.length)}`;
  const at = d.revision === undefined ? 'no fleet read yet' : `rev ${d.revision}`;
  const link = d.connected ? 'connected' : 'not connected (the last fleet read stands)';
  return `from: etcd ${d.cluster} ${at}, ${count(servers.length)}; etcd ${d.etcd.join(',')} ${link}`;
}

/** The shell's dot-commands; `.help` is made from this list. */
export const COMMANDS: readonly Command[] = [
  {
    name: '.help',
    usage: '',
    help: 'this list',
    run(s) {
      const rows = COMMANDS.map((c) => [`${c.name}${c.usage === '' ? '' : ` ${c.usage}`}`, c.help]);
      for (const line of table(rows)) s.print(`  ${line}`);
      s.print(
        s.format === 'clogs'
          ? '  any other line: "<sys_id> <msg_type> <message>" (upper case, e.g. PAY1 TXT), sent as one record'
          : '  any other line: the message, sent as one record with the sys/type/file in the prompt',
      );
      s.print(`  levels: ${describeLevels()}`);
    },
  },
  {
    name: '.servers',
    usage: '',
    help: 'the fleet: where from, address, weight, state, RTT, misses, share of the continuum, flow, rate',
    run(s) {
      s.print(`  ${safeText(source(s.session.stats()))}`);
      const rows = [['name', 'address', 'weight', 'state', 'rtt', 'misses', 'share', 'flow', 'rate']];
      for (const v of s.session.stats().servers) {
        rows.push([
          v.name,
          `${v.address ?? v.host}:${v.port}`,
          String(v.weight),
          v.state,
          v.rttMs === undefined ? '-' : `${v.rttMs.toFixed(2)} ms`,
          String(v.misses),
          `${(v.share * 100).toFixed(1)}%`,
          v.flow === 'open-loop' ? 'open-loop (no ACKs)' : v.flowMode,
          v.deliveryRate === 0 ? '-' : `${(v.deliveryRate / 1024).toFixed(1)} MiB/s`,
        ]);
      }
      for (const line of table(rows)) s.print(`  ${line}`);
    },
  },
  {
    name: '.stats',
    usage: '',
    help: 'records accepted, sent, acked, refused, dropped',
    run(s) {
      const st = s.session.stats();
      const dropped = Object.entries(st.dropped)
        .filter(([, n]) => n > 0)
        .map(([r, n]) => `${n} ${r}`);
      // Refused as the exit summary counts it: lines that never reached log() (no msg_type) too.
      s.print(
        `  ${st.accepted} accepted, ${st.sent} sent, ${st.acked} acked, ${s.summary.refused} refused, ` +
          `${st.rerouted} rerouted, dropped: ${dropped.length === 0 ? 'none' : dropped.join(', ')}`,
      );
    },
  },
  {
    name: '.set',
    usage: 'sys|type|file|level <value>',
    help: 'change what the next records carry (file: a name, the server adds .log)',
    args: ['sys', 'type', 'file', 'level'],
    run(s, [what, value]) {
      if (value === undefined || !['sys', 'type', 'file', 'level'].includes(what ?? '')) {
        return s.print('  usage: .set sys|type|file|level <value>');
      }
      if (what === 'level') {
        try {
          s.level = levelName(parseLevel(value));
        } catch (err) {
          s.print(`  level not set: ${mostSpecificMessage(err)}`);
        }
        return;
      }
      // A file is named without the `.log` the server adds: `app.log` is the file app.log.
      const taken = what === 'file' ? fileNameOf(value) : value;
      const next = { sys: s.sys, type: s.type, file: s.file, [what as string]: taken };
      const problem = fieldProblem(next.sys, next.type, next.file);
      if (problem !== undefined) return s.print(`  ${what} not set: ${problem}`);
      s[what as 'sys' | 'type' | 'file'] = taken;
      if (what === 'file') s.print(`  file ${taken}: records go to ${s.sys}/${taken}${LOG_EXTENSION}`);
      else if (s.format === 'clogs')
        s.print(
          `  ${what} ${taken}: for raw lines; a clogs line names its own sys_id and msg_type (.format raw: every line is the message)`,
        );
    },
  },
  {
    name: '.format',
    usage: 'clogs|raw',
    help: 'how a typed line becomes a record: clogs "<sys_id> <msg_type> <message>", raw the message',
    args: ['clogs', 'raw'],
    run(s, [format]) {
      if (format !== 'clogs' && format !== 'raw')
        return s.print(`  format is ${s.format}; usage: .format clogs|raw`);
      s.format = format;
      s.print(
        format === 'raw'
          ? `  raw: each line is the message, sent as ${s.sys}/${s.type}/${s.file} (.set sys|type|file changes them)`
          : '  clogs: each line is "<sys_id> <msg_type> <message>", e.g. PAY1 TXT order 42 accepted',
      );
    },
  },
  {
    name: '.route',
    usage: '<sys> <file>',
    help: 'which server a log file goes to, and why',
    run(s, [sys = s.sys, file = s.file, ...more]) {
      if (more.length > 0) return s.print('  usage: .route <sys> <file>');
      const problem = fieldProblem(sys, s.type, file);
      if (problem !== undefined) return s.print(`  not a log file: ${problem} (usage: .route <sys> <file>)`);
      const key = `${sys}/${file}`;
      const server = s.session.route(key);
      s.print(
        server === undefined
          ? `  ${key}: no server is up; records wait until one answers`
          : `  ${key} → ${safeText(server)} (ketama: md5 of "${key}" on the continuum of the servers up)`,
      );
    },
  },
  {
    name: '.ping',
    usage: '',
    help: 'up/down and round trip of every server (from the last ping)',
    run(s) {
      for (const v of s.session.stats().servers) {
        s.print(
          `  ${safeText(v.name)}: ${v.state}, rtt ${v.rttMs === undefined ? '-' : `${v.rttMs.toFixed(2)} ms`}, ${v.misses} missed`,
        );
      }
    },
  },
  {
    name: '.flush',
    usage: '',
    help: 'send what is queued (with ack: wait for the ACKs)',
    async run(s) {
      const done = await s.session.flush({ timeoutMs: 5000 });
      s.print(done ? '  flushed' : '  not everything went out within 5 s (is a server up?)');
    },
  },
  {
    name: '.ack',
    usage: 'on|off',
    help: 'at-least-once delivery on or off',
    args: ['on', 'off'],
    async run(s, [mode]) {
      if (mode !== 'on' && mode !== 'off')
        return s.print(`  ack is ${s.session.ack ? 'on' : 'off'}; usage: .ack on|off`);
      await s.session.setAck(mode === 'on');
    },
  },
  {
    name: '.reload',
    usage: '',
    help: "re-read the config file's servers; the continuum is rebuilt",
    run: (s) => s.session.reload(),
  },
  { name: '.exit', usage: '', help: 'flush and leave (also Ctrl-D, or Ctrl-C twice)', run: (s) => s.exit() },
];

/** readline's completer: dot-commands, then their first argument. */
export function complete(line: string): [string[], string] {
  const parts = line.split(/\s+/);
  if (parts.length <= 1) {
    const hits = COMMANDS.map((c) => c.name).filter((n) => n.startsWith(line));
    return [hits, line];
  }
  const command = COMMANDS.find((c) => c.name === parts[0]);
  const arg = parts[1] ?? '';
  if (parts.length === 2 && command?.args !== undefined) {
    return [command.args.filter((a) => a.startsWith(arg)), arg];
  }
  return [[], line];
}
