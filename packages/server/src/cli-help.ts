/** What `clogs-server --help` prints. */
export const HELP = `usage: clogs-server [options]
       clogs-server keygen <file>

The clogs reference log server: answers pings, acknowledges LOG frames, and writes
one line per record to <data-dir>/<sys_id>/<file_name>.log.

mode:
  One process, one UDP port, one data folder; it runs until SIGINT/SIGTERM.
  Clients (@clogs/client, clogs-cli) name it with -s host:port, or find it in
  etcd when it registers there (--etcd).

options:
  --host <addr>          address to listen on, IPv4 or IPv6 (default 127.0.0.1)
  --port <n>             UDP port, 0 for any free one (default 7070)
  --data-dir <dir>       where log files go (default ./clogs-data)
  --flush-ms <ms>        write buffered lines at least this often (default 200)
  --roll-bytes <n>       roll a file before it passes this size, e.g. 64M (default 256M)
  --max-pending <n>      drop new frames while this much waits for the disk (default 64M)
  --recv-buffer <n>      UDP receive buffer to ask for (default 8M; Linux caps it at rmem_max)
  --max-open-files <n>   files kept open at once; idle ones are closed first (default 256)
  --max-total-bytes <n>  bytes under the data dir, rolled files included, e.g. 500G
                         (default 10G): the oldest rolled files are deleted, then
                         frames are refused
  --max-files <n>        files under the data dir (default 10000): the oldest rolled
                         files are deleted, then new file names are refused
  --allow-sys <list>     write only these sys_ids, e.g. PAY1,OPS (default: all)
  --roll-every <when>    also roll files each UTC hour or day: hour|day (default: by size)
  --file-mode <octal>    mode of new log files (default 0640)
  --dir-mode <octal>     mode of new folders (default 0750)
  --key-file <path>      seal frames with this key: only encrypted frames are taken,
                         replies are sealed too. Repeat it to hold old and new keys
                         while clients move (frames name theirs by key id). The file
                         must be readable by its owner only (chmod 600)
  --accept-v1            with a key: also take version 1 frames signed with the first
                         key file as version 1 clients read it (its bytes, less a
                         trailing newline): integrity only, records in clear; while
                         clients upgrade
  --allow-integrity-only with a key: also take frames sealed for integrity only
                         (suite 3: records in clear, not forgeable)
  --insecure             listen on a non-loopback address without a key (frames in
                         clear: anyone on the path can read and forge them)
  --mask-pan             mask card numbers after head_len (Luhn-valid, a card brand's
                         prefix and length, spaced or dashed too): keep first 6, last 4
  --attribution          write each line's source: address:port/encrypted|signed|plain
  --ack-early            ACK once lines are buffered, not once they are in the file:
                         a server killed then loses lines it ACKed (at-least-once
                         clients lose them), and clients' windows stop following
                         the disk. The default ACKs after the write.
  --ack-after-write      the default; accepted for scripts that still pass it
  --metrics <host:port>  serve Prometheus metrics on http://HOST:PORT/metrics (port 0: any
                         free one; the listening line gives the address); PORT alone is
                         127.0.0.1:PORT
  --quiet                print only the listening line

registration in etcd (the config centre clients discover the fleet from):
  --etcd <url>[,<url>...] register at these etcd members (http://host:port, or
                         https://host:port for TLS); needs the etcd3 package
  --cluster <name>       the fleet to join: key /clogs/<cluster>/servers/<name> (default default)
  --name <name>          the name clients hash (default: the advertised host:port)
  --weight <n>           share of the keys, relative to the other servers (default 1)
  --advertise <host:port> where clients send (default: the bound address; required
                         with a wildcard --host such as 0.0.0.0)
  --lease-ttl <s>        a server that dies without stopping leaves after this long (default 5)
  --etcd-ca <file>       PEM CA that signed etcd's certificate (https members;
                         default: the system's CAs)
  --etcd-cert <file>     PEM client certificate, for etcd's --client-cert-auth
  --etcd-key <file>      its private key (refused if group or others may read it)
  --etcd-user <user>     etcd user, when etcd's authentication is enabled
  --etcd-password-file <file> that user's password (refused if group or others
                         may read it); or the environment's CLOGS_ETCD_PASSWORD
  With --etcd the server also follows /clogs/<cluster>/server-config (JSON: maskPan,
  attribution, rollBytes, rollEvery, maxTotalBytes, maxFiles, allowSys) and
  server-config/<sys_id> (maskPan, rollBytes), applied live and said on stderr; a
  bad value is refused, naming it; a flag given on the command line wins.
  -h, --help             this help
  -V, -v, --version      print "clogs-server <version>"

fault injection, for tests only:
  --fault-silent         answer no pings
  --fault-drop <0..1>    drop this fraction of LOG frames
  --fault-ack-delay <ms> send ACKs late
  --fault-write-delay <ms> wait this long before each file write (a slow disk)
  --fault-no-ack         write LOG frames but never ACK them (answer pings)

keygen <file>:
  write a new random key (64 hex digits, mode 0600; an existing file is never
  overwritten) and print its key id.

output:
  Prints "clogs-server listening on udp://HOST:PORT, frames encrypted (keys ID), data-dir DIR"
  (or "frames in clear: no key") once ready; with --metrics, followed by
  " metrics http://HOST:PORT/metrics".

signals:
  SIGINT/SIGTERM  stop, write and fsync everything, exit 0
  SIGUSR1         print stats (a JSON line on stderr)
  SIGHUP          write what is buffered and reopen every file (after logrotate renamed them)
  All are handled from the moment the process starts, before the listening line.

exit codes:
  0   stopped by SIGINT/SIGTERM, everything written
  64  bad usage, or a non-loopback --host without a key (give --key-file, or --insecure)
  66  key file (or an --etcd-* file) unreadable, or an --etcd-* file not private
  69  --etcd without the etcd3 package (npm i etcd3)
  71  cannot listen (or --metrics cannot bind), or the data dir is unusable (not a directory, not owned by this user)
  73  keygen's file exists
  78  key file readable by group or others, or a weak key; --name held by another live server (--etcd)
  130 a second SIGINT/SIGTERM gave up the flush

environment:
  CLOGS_ETCD_PASSWORD  --etcd-user's password, when no --etcd-password-file is given

files:
  <data-dir>/<sys_id>/<file_name>.log  one line per record (rolled at --roll-bytes to
                         <file_name>.<YYYYmmdd-HHMMSS>.<host>.<pid>.log)
  --key-file <path>      a key shared with the clients (mode 0600; clogs-server keygen)

examples:
  clogs-server --port 7070 --data-dir /var/log/clogs
  clogs-server keygen /etc/clogs/clogs.key
  clogs-server --host 0.0.0.0 --key-file /etc/clogs/clogs.key
  clogs-server --host 0.0.0.0 --key-file new.key --key-file old.key   # rotating
  clogs-server --port 7070 --metrics 127.0.0.1:9464
  clogs-server --data-dir /var/log/clogs --max-total-bytes 200G --allow-sys PAY1,OPS
  clogs-server --etcd https://etcd-1:2379 --etcd-ca ca.pem --etcd-cert server.pem \\
    --etcd-key server-key.pem --etcd-user clogs --etcd-password-file ./etcd.pass
`;
