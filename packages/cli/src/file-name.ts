/** What the server adds to a file_name: records go to `<data-dir>/<sys_id>/<file_name>.log`. */
export const LOG_EXTENSION = '.log';

/**
 * The file_name meant by what was typed (`--file`, `.set file`): a name, the server
 * adding `.log`; `app.log` means the file `app.log`, so its `.log` is taken off (once)
 * rather than added twice. A bare `.log` is left for the field check to refuse.
 */
export function fileNameOf(typed: string): string {
  return typed.endsWith(LOG_EXTENSION) && typed.length > LOG_EXTENSION.length
    ? typed.slice(0, -LOG_EXTENSION.length)
    : typed;
}
