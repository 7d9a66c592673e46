/** What clogs-cli's exit status means to a script (sysexits.h numbers where one fits). */
export const ExitCode = {
  /** Every line delivered (with --ack: acknowledged; without: handed to the network). */
  OK: 0,
  /** Bad flags or arguments. */
  USAGE: 64,
  /** Some lines were refused (malformed); the others were delivered. */
  REFUSED: 65,
  /** An input file (the key file) cannot be read, or is empty. */
  NO_INPUT: 66,
  /** Something broke inside clogs-cli itself. */
  SOFTWARE: 70,
  /** Records were still undelivered when the deadline (--timeout) passed. */
  UNDELIVERED: 75,
  /** The config file is unreadable or invalid. */
  CONFIG: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
