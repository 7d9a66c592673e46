import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellPipeline, summaryLine } from '../../../test/support/pipeline.js';
import { ServerProcess } from '../../../test/support/server-process.js';
import { shell, useCleanups, useServer } from './helpers.js';

const cleanups = useCleanups();

/** A UDP relay in front of a server that keeps a copy of every datagram, both ways. */
async function recordingRelay(port: number): Promise<{ port: number; seen: Buffer[]; close(): void }> {
  const front = createSocket('udp4');
  const seen: Buffer[] = [];
  const backs = new Map<string, Socket>();
  front.on('message', (msg, from: RemoteInfo) => {
    seen.push(Buffer.from(msg));
    let back = backs.get(`${from.address}:${from.port}`);
    if (back === undefined) {
      const s = createSocket('udp4');
      s.on('message', (reply) => {
        seen.push(Buffer.from(reply));
        front.send(reply, from.port, from.address);
      });
      backs.set(`${from.address}:${from.port}`, s);
      back = s;
    }
    back.send(msg, port, '127.0.0.1');
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));
  return {
    port: front.address().port,
    seen,
    close() {
      front.close();
      for (const s of backs.values()) s.close();
    },
  };
}

/** A clogs-server process with a recording relay in front; both go after the test. */
async function serverBehindRelay() {
  const dir = await mkdtemp(join(tmpdir(), 'clogs-cli-redact-'));
  const server = ServerProcess.start(['--port', '0', '--data-dir', dir]);
  cleanups.push(async () => {
    server.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const relay = await recordingRelay(await server.port());
  cleanups.push(async () => relay.close());
  return { dir, server, relay };
}

const PANS = ['4111111111111111', '5555 5555 5555 4444', '3782-822463-10005'];
const MASKED = ['411111******1111', '5555 55** **** 4444', '3782-82****-*0005'];
// an ISO 8583 message: "16" + the PAN as field 2, then the next numeric fields
const ISO = '0200723405412816401288888888188100000000000001000';
const ISO_MASKED = '0200723405412816401288******188100000000000001000';

describe('card numbers masked by clogs-cli before the wire', () => {
  it.each([
    ['--redact pan', ['--redact', 'pan']],
    ['the default', []],
  ])(
    '%s: piped into a clogs-server process, the file and every datagram hold only the masked form',
    async (_, flags) => {
      const { dir, server, relay } = await serverBehindRelay();
      const input = [...PANS.map((p) => `card ${p} ok`), `iso ${ISO}`].join('\\n');
      const run = shellPipeline(`printf '${input}\\n'`, [
        '-s',
        `127.0.0.1:${relay.port}`,
        '--ack',
        '--format',
        'raw',
        '--sys',
        'PAY1',
        ...flags,
      ]);
      const { code, stderr } = await run.exited;
      expect(summaryLine(stderr), stderr).toBe('clogs-cli: 4 lines read, 4 sent, 4 acked, 0 refused');
      expect(code).toBe(0);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      const file = await readFile(join(dir, 'PAY1', 'cli.log'), 'latin1');
      const wire = Buffer.concat(relay.seen).toString('latin1');
      expect(relay.seen.length).toBeGreaterThan(1);
      for (const [i, pan] of PANS.entries()) {
        expect(file).toContain(` card ${MASKED[i]} ok\n`);
        expect(file).not.toContain(pan);
        expect(wire).not.toContain(pan);
        expect(wire).toContain(MASKED[i]);
      }
      expect(file).toContain(` iso ${ISO_MASKED}\n`);
      expect(wire).not.toContain('4012888888881881');
    },
    30_000,
  );

  it('--redact none sends them as typed (the test above sees what it looks for)', async () => {
    const { relay } = await serverBehindRelay();
    const run = shellPipeline(`printf 'card ${PANS[0]} ok\\n'`, [
      '-s',
      `127.0.0.1:${relay.port}`,
      '--ack',
      '--format',
      'raw',
      '--redact',
      'none',
    ]);
    expect((await run.exited).code).toBe(0);
    expect(Buffer.concat(relay.seen).toString('latin1')).toContain(PANS[0]);
  }, 30_000);
});

describe("the shell's history", () => {
  const local = useServer('clogs-cli-redact-history-');

  it('keeps the masked line, as the record carries it', async () => {
    const spec = await local.start();
    const history = join(local.dir, 'history');
    const sh = shell(['-s', spec], history);
    await sh.type('PAY1 TXT pan=4111 1111 1111 1111 exp 12/29', 'PAY1/TXT');
    sh.stdin.end();
    expect(await sh.exited).toBe(0);
    expect(await readFile(history, 'utf8')).toBe('PAY1 TXT pan=4111 11** **** 1111 exp 12/29\n');
    await local.server!.flush();
    expect(await readFile(join(local.dir, 'data', 'PAY1', 'cli.log'), 'utf8')).toMatch(
      / pan=4111 11\*\* \*\*\*\* 1111 exp 12\/29\n$/,
    );

    const plain = shell(['-s', spec, '--redact', 'none'], history);
    await plain.type('PAY1 TXT pan=4111111111111111', 'PAY1/TXT');
    plain.stdin.end();
    expect(await plain.exited).toBe(0);
    expect(await readFile(history, 'utf8')).toContain('PAY1 TXT pan=4111111111111111\n');
  });
});
