import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../packages/server/src/bin.ts', import.meta.url));

/** A real clogs-server process, run from source, and what it prints. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly changed = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      this.wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      this.wake();
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(args: string[]): ServerProcess {
    return new ServerProcess(
      spawn(process.execPath, ['--import', 'tsx', '--conditions=source', BIN, ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** Waits, on output events, until `test` holds; fails after `ms`. */
  async until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; stdout: ${this.stdout} stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        const wake = () => {
          clearTimeout(timer);
          this.changed.delete(wake);
          resolve();
        };
        this.changed.add(wake);
      });
    }
  }

  /** The port from the "listening on" line. */
  async port(): Promise<number> {
    await this.until(() => /listening on udp:\/\/\S+:\d+/.test(this.stdout), 'the listening line');
    return Number(/listening on udp:\/\/\S+:(\d+)/.exec(this.stdout)![1]);
  }

  private wake(): void {
    for (const wake of [...this.changed]) wake();
  }
}

/** Runs the command to its end; resolves with its exit code and output. */
export async function runServerCommand(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = ServerProcess.start(args);
  const code = await p.exited;
  await p.until(() => p.child.stdout!.readableEnded && p.child.stderr!.readableEnded, 'output to end', 5000);
  return { code, stdout: p.stdout, stderr: p.stderr };
}
