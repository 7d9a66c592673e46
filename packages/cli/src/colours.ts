import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

/** Where clogs-cli writes, as far as colour cares. */
export interface ColourIo {
  stdout: { isTTY?: boolean };
  stderr: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The palettes of stdout (the shell) and stderr (notices, the summary). */
export interface Palettes {
  out: Colors;
  err: Colors;
}

/**
 * The one place colour is decided: a stream gets colour only when it is a terminal,
 * `--no-color` was not given, and `NO_COLOR` is unset or empty (no-color.org).
 */
export function palettes(colorFlag: boolean, io: ColourIo): Palettes {
  const allowed = colorFlag && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
  return {
    out: createColors(allowed && io.stdout.isTTY === true),
    err: createColors(allowed && io.stderr.isTTY === true),
  };
}
