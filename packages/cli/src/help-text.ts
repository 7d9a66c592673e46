import { COMMANDS } from './repl/commands.js';

// The sections of `clogs-cli --help` around commander's usage and options: enough to
// be its man page. The shell's commands come from the shell's own registry.

/** After the usage line: what the program does in each of its modes. */
export const DESCRIPTION = `Send log records to a fleet of clogs servers over UDP.

Modes:
  one-shot  clogs-cli [options] PAY1 TXT disk full
            The arguments are one line, sent as one record; the exit code says
            whether it went (--format raw: the arguments are the message).
  pipe      app | clogs-cli [options]      clogs-cli [options] -i file...
            Every line of stdin (or of the --input files) is one record, read
            with backpressure; one summary line on stderr at the end.
  follow    clogs-cli [options] --follow 'logs/app.log*'...
            Follows files as tail -F does (rotation, truncation, new files), one
            record per line, until SIGINT/SIGTERM; checkpoints in --state-file
            move only past delivered lines: started again, it resumes there.
  shell     clogs-cli [options]            (stdin a terminal, no arguments)
            An interactive shell: each typed line is one record; dot-commands
            below. With no server named, an embedded clogs-server on 127.0.0.1
            writing to ./clogs-data.
  completion  clogs-cli completion bash|zsh
            Prints a completion script: eval "$(clogs-cli completion bash)".
  keygen    clogs-cli keygen <file>
            Writes a new random key (64 hex digits) to a new file of mode 0600
            and prints its key id; give the file to --key-file here and on the
            servers (clogs-server --key-file). Never overwrites a file (exit 73).

Lines: with --format clogs (the default) "<sys_id> <msg_type> <message>",
e.g. "PAY1 TXT order 42 accepted"; with --format raw the message, sent with
--sys, --type, --file and --level.`;

/** The shell's dot-commands, from its registry. */
function shellCommands(): string {
  const rows = COMMANDS.map((c) => [`${c.name}${c.usage === '' ? '' : ` ${c.usage}`}`, c.help]);
  const width = Math.max(...rows.map(([name]) => name!.length));
  return rows.map(([name, help]) => `  ${name!.padEnd(width)}  ${help}`).join('\n');
}

/** After the options: the shell, exit codes, environment, files, examples. */
export function afterOptions(): string {
  return `
Shell commands:
${shellCommands()}

Exit codes:
  0        every line delivered (--ack: acknowledged; without: handed to the network)
  64       bad usage
  65       some lines refused (counted by reason: too-long, bad-sys-id, ...); the rest delivered
  66       the key file is refused (mode, weak key), an --input file cannot be read, or an
           --etcd-* file cannot be read or is not private
  70       internal error
  71       --metrics: the address cannot be bound
  73       keygen cannot create its file (it exists: never overwritten); --follow: the
           state file cannot be written (checked before anything is read); --spool:
           the folder cannot be made, written or locked; --data-dir: the embedded
           server's folder cannot be made or used
  74       --follow: the state file could not be saved while running (it stops there)
  75       records undelivered: at --timeout, or at once when every server is down
           (nothing listens, a wrong key, no ACKs, cannot-write, version) unless
           --wait-for-servers
  78       bad config file
  130/143  stopped by SIGINT/SIGTERM, everything read delivered

Environment:
  NO_COLOR  set and not empty: no colour (there is none anyway off a terminal)
  HOME      the shell's history file is $HOME/.clogs_history
  CLOGS_ETCD_PASSWORD  --etcd-user's password, when no --etcd-password-file is given

Files:
  ~/.clogs_history  the shell's history (mode 0600, the last 1,000 lines, card numbers masked)
  --key-file <file> the key shared with the servers (mode 0600; clogs-cli keygen <file>)
  ./clogs-data      the embedded server's folder (--data-dir): <sys_id>/<file>.log
  ./.clogs-follow.json  --follow's checkpoints (--state-file), written atomically
  --config <file>   JSON: servers or discovery, defaults, client options; re-read on
                    .reload and SIGHUP
  --spool <dir>     the disk spool: <n>.seg segment files (records not yet delivered,
                    sent first by the next run on it) and a lock file

Signals:
  SIGINT/SIGTERM stop reading and flush within --timeout (a second gives up);
  SIGHUP re-reads --config.

Examples:
  One record, then exit (one-shot; the exit code says whether it went):
    clogs-cli -s 10.0.0.5:7070 --ack PAY1 TXT disk full on /var || alert
    clogs-cli -s 10.0.0.5:7070 --format raw --sys OPS --file deploys "deploy 42 done"
  The shell (on a terminal, no arguments; type .help):
    clogs-cli                                # on an embedded server writing to ./clogs-data
    clogs-cli -s 10.0.0.5:7070 -s '10.0.0.6:7070:2 log-b'
    clogs-cli --etcd http://etcd-1:2379,http://etcd-2:2379 --cluster payments
  A key for encrypted frames (then --key-file clogs.key here and on the servers):
    clogs-cli keygen clogs.key
  Card numbers are masked before they leave (the default; not in argv: pipe them in):
    echo 'PAY1 TXT pan=4111111111111111' | clogs-cli -s 10.0.0.5:7070 --redact pan
  Pipes and files, one record per line:
    app | clogs-cli -s 10.0.0.5:7070 --format raw --sys PAY1 --file app
    app | clogs-cli --etcd http://etcd-1:2379 --cluster payments --format raw --sys PAY1
    clogs-cli --etcd https://etcd-1:2379 --etcd-ca ca.pem --etcd-cert me.pem --etcd-key me-key.pem \\
      --etcd-user clogs --etcd-password-file ~/.clogs-etcd-pass < app.log
    clogs-cli -c fleet.json --ack --timeout 60000 < trades.log
    clogs-cli -s 10.0.0.5:7070 -i yesterday.log -i today.log
  Following files as tail -F does, until SIGINT/SIGTERM (restarted, it resumes where it was):
    clogs-cli -s 10.0.0.5:7070 --ack --format raw --sys PAY1 --follow '/var/log/pay/app.log*'
    clogs-cli -s 10.0.0.5:7070 --follow a.log --follow b.log --from start --state-file /var/lib/clogs/follow.json
  Completion:
    eval "$(clogs-cli completion bash)"      # in ~/.bashrc
`;
}
