import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError, mostSpecificMessage } from '../packages/cli/src/errors.js';
import { ClientError, ClogsError as ClientsClogsError } from '../packages/client/src/index.js';
import { PinoTransportError } from '../packages/pino/src/errors.js';
import { ClogsError, ProtocolError } from '../packages/protocol/src/index.js';
import { ServerError } from '../packages/server/src/errors.js';
import { WinstonTransportError } from '../packages/winston/src/errors.js';
import { ensureBuilt } from './support/app-fleet.js';

const brands = (err: object) =>
  Object.getOwnPropertySymbols(Object.getPrototypeOf(Object.getPrototypeOf(err)) as object)
    .concat(Object.getOwnPropertySymbols(Object.getPrototypeOf(err) as object))
    .map((s) => Symbol.keyFor(s))
    .sort();

const one = {
  client: () => new ClientError('ERR_CLIENT_CLOSED', 'log() after close()'),
  server: () => new ServerError('ERR_SERVER_LISTEN', 'cannot bind 127.0.0.1:1'),
  cli: () => new CliError('ERR_CLI_USAGE', "unknown option '--x'"),
  pino: () => new PinoTransportError('ERR_PINO_BAD_OPTION', 'sysId must be a string, not 1'),
  winston: () => new WinstonTransportError('ERR_WINSTON_BAD_OPTION', 'sysId must be a string, not 1'),
};

describe('every package error on the one clogs brand', () => {
  it.each(Object.entries(one))(
    '%s: a ClogsError with its own brand, code, detail and message',
    (pkg, make) => {
      const err = make();
      expect(err).toBeInstanceOf(ClogsError);
      expect(err).toBeInstanceOf(Error);
      expect(brands(err)).toEqual(['clogs.error', `clogs.error.${pkg}`]);
      expect(err.message).toBe(`${err.detail} [${err.code}]`);
      expect(err.code).toMatch(/^ERR_[A-Z]+_[A-Z_]+$/);
    },
  );

  it('tells the classes of different packages apart', () => {
    expect(one.pino() instanceof WinstonTransportError).toBe(false);
    expect(one.winston() instanceof PinoTransportError).toBe(false);
    expect(one.client() instanceof ServerError).toBe(false);
    expect(one.server() instanceof ProtocolError).toBe(false);
    expect(one.cli() instanceof ClientError).toBe(false);
  });

  it('gives a transport its base through @clogs/client: the same class as the protocol one', () => {
    expect(ClientsClogsError).toBe(ClogsError);
  });

  it('makes a ClientError of another copy of @clogs/client an instanceof this copy, and a ClogsError', async () => {
    vi.resetModules();
    const other = (await import(
      '../packages/client/src/index.js'
    )) as typeof import('../packages/client/src/index.js');
    vi.resetModules();
    expect(other.ClientError).not.toBe(ClientError);
    expect(other.ClogsError).not.toBe(ClogsError);
    const err = new other.ClientError('ERR_CLIENT_BAD_RECORD', 'record refused: x', { field: 'sys_id' });
    expect(err instanceof ClientError).toBe(true);
    expect(err instanceof ClogsError).toBe(true);
    expect(err instanceof ProtocolError).toBe(false);
    expect(one.client() instanceof other.ClientError).toBe(true);
  });

  it("lets the CLI quote a transport's error by its detail and code, as any clogs error", () => {
    const wrapped = new Error('start failed', { cause: one.pino() });
    expect(mostSpecificMessage(wrapped, ' (in the config)')).toBe(
      'sysId must be a string, not 1 (in the config) [ERR_PINO_BAD_OPTION]',
    );
    expect(mostSpecificMessage(one.winston())).toBe('sysId must be a string, not 1 [ERR_WINSTON_BAD_OPTION]');
    // A lookalike is not a clogs error: its message is said as it is.
    const lookalike = Object.assign(new Error('x [ERR_Y]'), { code: 'ERR_Y', detail: 'nope' });
    expect(mostSpecificMessage(lookalike)).toBe('x [ERR_Y]');
  });
});

// As an app meets it: the CJS and the ESM build of one package loaded side by side in
// one process make two copies of every class.
const WINSTON = fileURLToPath(new URL('../packages/winston/', import.meta.url));
const BOTH_BUILDS = `
const cjs = require('@clogs/client');
const transport = require('@clogs/winston');
import('@clogs/client').then((esm) => {
  const fromEsm = new esm.ClientError('ERR_CLIENT_CLOSED', 'log() after close()');
  const fromCjs = new cjs.ClientError('ERR_CLIENT_CLOSED', 'log() after close()');
  let bad;
  try { new transport.ClogsTransport({}); } catch (err) { bad = err; }
  console.log(JSON.stringify({
    twoCopies: esm.ClientError !== cjs.ClientError,
    esmIsCjs: fromEsm instanceof cjs.ClientError && fromEsm instanceof cjs.ClogsError,
    cjsIsEsm: fromCjs instanceof esm.ClientError && fromCjs instanceof esm.ClogsError,
    clientIsNoTransportError: fromEsm instanceof transport.WinstonTransportError,
    transportIsClogs: bad instanceof esm.ClogsError && !(bad instanceof esm.ClientError),
    code: bad.code,
    detail: bad.detail,
  }));
});
`;

describe('the built packages, CJS beside ESM in one process', () => {
  beforeAll(() => ensureBuilt(['protocol', 'etcd', 'client', 'winston']), 240_000);

  it("makes an error of either build an instanceof the other build's classes", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', BOTH_BUILDS], { cwd: WINSTON });
    expect(JSON.parse(stdout)).toEqual({
      twoCopies: true,
      esmIsCjs: true,
      cjsIsEsm: true,
      clientIsNoTransportError: false,
      transportIsClogs: true,
      code: 'ERR_WINSTON_BAD_OPTION',
      detail: 'servers must be a non-empty list, not undefined',
    });
  });
});
