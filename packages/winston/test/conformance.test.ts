import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMessages } from '../../../test/support/log-file.js';
import { installMochaGlobals } from '../../../test/support/mocha-globals.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { ClogsTransport } from '../src/index.js';

// winston's own conformance suite (abstract-winston-transport), run on ClogsTransport as
// winston's maintainers run it on theirs: each test gets a new transport, here with a
// client of its own logging into a real clogs-server process.
const require = createRequire(import.meta.url);
const defaults = { sysId: 'WINS', msgType: 'JSON', fileName: 'conformance' } as const;

const dir = await mkdtemp(join(tmpdir(), 'clogs-winston-conformance-'));
const server = ServerProcess.start(['--port', '0', '--data-dir', dir, '--quiet']);
const port = await server.port();
const made: ClogsTransport[] = [];

/** The class the suite instantiates: every one is ended after the suite, its records delivered. */
class Transport extends ClogsTransport {
  constructor(options: ConstructorParameters<typeof ClogsTransport>[0]) {
    super(options);
    made.push(this);
  }
}

installMochaGlobals();
(require('abstract-winston-transport') as (o: object) => void)({
  name: 'ClogsTransport',
  Transport,
  construct: () => ({ servers: [`127.0.0.1:${port}`], defaults, delivery: 'at-least-once' }),
});

describe('after the suite', () => {
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('has delivered every record the suite logged, and ended every transport with nothing lost', async () => {
    const closed = await Promise.all(
      made.map(
        (t) =>
          new Promise<unknown>((resolve) => {
            t.once('closed', resolve);
            t.end();
          }),
      ),
    );
    expect(made.length, 'transports the suite made').toBeGreaterThanOrEqual(4);
    for (const summary of closed) expect(summary).toMatchObject({ undelivered: 0, refused: 0 });
    // A clean stop writes every line it holds before the process exits.
    server.child.kill('SIGTERM');
    expect(await server.exited, `clogs-server's exit; stderr: ${server.stderr}`).toBe(0);
    // The three tests that log each log one info object, its line JSON.
    const line = JSON.stringify({ level: 'debug', message: 'foo' });
    expect(await readMessages(join(dir, 'WINS', 'conformance.log'))).toEqual([line, line, line]);
  });
});
