import { ProtocolError, writeNewKeyFile } from '@clogs/protocol';
import { ExitCode } from '../exit-codes.js';

const USAGE = `Usage: clogs-cli keygen <file>

Writes a new random key (32 bytes, as 64 hex digits) to <file>, created with mode 0600;
an existing file is never overwritten. Prints the key id, which servers and clients
holding the key show. Give the file to clients (--key-file) and servers alike.

Example:
  clogs-cli keygen clogs.key
  clogs-server --key-file clogs.key --host 10.0.0.5 --port 7070
  app | clogs-cli --key-file clogs.key -s 10.0.0.5:7070
`;

/** Where keygen writes. */
export interface KeygenIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `clogs-cli keygen <file>`: resolves with the exit code. */
export async function runKeygen(args: readonly string[], io: KeygenIo): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    io.stdout.write(USAGE);
    return ExitCode.OK;
  }
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    io.stderr.write(`clogs-cli: keygen takes one argument, the file to write\n${USAGE}`);
    return ExitCode.USAGE;
  }
  const path = args[0]!;
  try {
    const key = await writeNewKeyFile(path);
    io.stdout.write(`key id ${keyIdText(key.id)} written to ${path} (mode 0600)\n`);
    return ExitCode.OK;
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    io.stderr.write(`clogs-cli: ${err.message}\n`);
    return ExitCode.CANT_CREATE;
  }
}

/** A key id as it is shown: 8 hex digits. */
export function keyIdText(id: number): string {
  return id.toString(16).padStart(8, '0');
}
