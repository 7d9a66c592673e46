import { brandErrorClass, ClogsError } from '@clogs/protocol';

/** Stable codes of the errors clogs-server raises or reports. */
export type ServerErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'ERR_SERVER_BAD_OPTION'
  /** The data folder cannot be created. */
  | 'ERR_SERVER_DATA_DIR'
  /** The socket could not be bound. */
  | 'ERR_SERVER_LISTEN'
  /** A write, fsync or roll of a log file failed; the records in it are lost (and were not ACKed after write). */
  | 'ERR_SERVER_WRITE'
  /** A path would leave the data folder (cannot happen with v1's charsets). */
  | 'ERR_SERVER_BAD_PATH'
  /** The socket reported an error after it was bound. */
  | 'ERR_SERVER_SOCKET'
  /** `--etcd`: etcd did not answer, or the registration was lost; the server serves on and registers again. */
  | 'ERR_SERVER_ETCD'
  /** `--etcd`: another live server holds this `--name` in the cluster; the name is never taken over. */
  | 'ERR_SERVER_NAME_TAKEN';

/** Base class of clogs-server's errors: switch on `code`. The message is `detail [code]`. */
export class ServerError extends ClogsError<ServerErrorCode> {
  static {
    brandErrorClass(ServerError, 'clogs.error.server');
  }

  override name = 'ServerError';
}
