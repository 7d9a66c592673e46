import { brandErrorClass, ClogsError } from '@clogs/protocol';

/** Stable codes of the errors clogs-server raises or reports. */
export type ServerErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_SERVER_BAD_OPTION'
  /** The data folder cannot be created, is not a directory, or is not owned by the server's user. */
  | 'ERR_SERVER_DATA_DIR'
  /** The socket could not be bound. */
  | 'ERR_SERVER_LISTEN'
  /** A write, fsync or roll of a log file failed; the records in it are lost (and were not ACKed after write). */
  | 'ERR_SERVER_WRITE'
  /** A path would leave the data folder (cannot happen with v1's charsets). */
  | 'ERR_SERVER_BAD_PATH'
  /** A sys_id not in `allowSys`: its frame is refused (`dropped.sys_not_allowed`). */
  | 'ERR_SERVER_SYS_NOT_ALLOWED'
  /** A new file name with `maxFiles` files on disk and none rolled to delete: refused (`dropped.file_limit`). */
  | 'ERR_SERVER_FILE_LIMIT'
  /** The data dir holds `maxTotalBytes` and nothing rolled is left to delete: frames are refused (`dropped.disk_limit`). */
  | 'ERR_SERVER_DISK_LIMIT'
  /** A symlink (or a folder or file not the server's) where a log folder or file goes: never written through. */
  | 'ERR_SERVER_UNSAFE_PATH'
  /** A log file was renamed or deleted by another process; the server writes to a new one at its path. */
  | 'ERR_SERVER_FILE_MOVED'
  /** Retention deleted a rolled file to stay within a bound (or could not). */
  | 'ERR_SERVER_RETENTION'
  /** The socket reported an error after it was bound. */
  | 'ERR_SERVER_SOCKET'
  /** `--etcd`: etcd did not answer, or the registration was lost; the server serves on and registers again. */
  | 'ERR_SERVER_ETCD'
  /** `--etcd`: another live server holds this `--name` in the cluster; the name is never taken over. */
  | 'ERR_SERVER_NAME_TAKEN'
  /** A setting in etcd's server-config is refused (not JSON, not a live option, a bad value): the last good value stays. */
  | 'ERR_SERVER_CONFIG'
  /** Two key files hold different keys with the same key id. */
  | 'ERR_SERVER_KEY'
  /** Listening on a non-loopback address without a key, and without `insecure`. */
  | 'ERR_SERVER_INSECURE'
  /** Frames refused for auth reasons (wrong or no key, replays): a rate-limited warning with counts. */
  | 'ERR_SERVER_AUTH_REFUSED'
  /** A new epoch: every replay window forgotten, a new boot; clients reseal their frames for it. */
  | 'ERR_SERVER_EPOCH';

/** Base class of clogs-server's errors: switch on `code`. The message is `detail [code]`. */
export class ServerError extends ClogsError<ServerErrorCode> {
  static {
    brandErrorClass(ServerError, 'clogs.error.server');
  }

  override name = 'ServerError';
}
