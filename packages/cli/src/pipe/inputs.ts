import { open } from 'node:fs/promises';
import { CliError } from '../errors.js';

/** Where pipe mode reads lines: stdin, or the files of `--input` in order. */
export interface Input {
  /** `-` for stdin, else the path as given. */
  name: string;
  stream: NodeJS.ReadableStream & { destroy?: () => void };
}

/**
 * Opens every `--input` before anything is sent (`-` is stdin), so a missing or
 * unreadable file stops the run at once, naming it, rather than after the files
 * before it went out. Files are closed when read to the end or destroyed.
 * @throws {CliError} `ERR_CLI_NO_INPUT` (exit 66) naming the file and why.
 */
export async function openInputs(paths: readonly string[], stdin: Input['stream']): Promise<Input[]> {
  const inputs: Input[] = [];
  try {
    for (const path of paths) {
      if (path === '-') {
        inputs.push({ name: '-', stream: stdin });
        continue;
      }
      const file = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
        throw new CliError('ERR_CLI_NO_INPUT', `cannot read input ${path}: ${err.code ?? err.message}`, {
          cause: err,
        });
      });
      if ((await file.stat()).isDirectory()) {
        await file.close();
        throw new CliError('ERR_CLI_NO_INPUT', `cannot read input ${path}: it is a directory`);
      }
      inputs.push({ name: path, stream: file.createReadStream() });
    }
  } catch (err) {
    closeInputs(inputs);
    throw err;
  }
  return inputs;
}

/** Destroys the inputs not read to their end (their files are closed; stdin is left to the process). */
export function closeInputs(inputs: readonly Input[]): void {
  for (const input of inputs) if (input.name !== '-') input.stream.destroy?.();
}
