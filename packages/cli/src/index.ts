/**
 * clogs-cli: an interactive shell and a pipe mode that send lines to a fleet of clogs
 * servers through @clogs/client, on an embedded clogs-server by default.
 */
export { type CliConfig, readConfig } from './config.js';
export { CliError, type CliErrorCode } from './errors.js';
export { ExitCode } from './exit-codes.js';
export { LineSplitter } from './line/line-splitter.js';
export { type LineFormat, LineParser, type ParsedLine, parseLine } from './line/parse-line.js';
export { type CliIo, type Flags, main } from './program.js';
