import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EtcdConnectOptions,
  EtcdError,
  loadEtcdAccess,
  printable,
  registrationProblem,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clogs-etcd-access-'));
  await writeFile(join(dir, 'pass'), 'secret\r\n', { mode: 0o600 });
  await writeFile(join(dir, 'open-pass'), 'secret\n', { mode: 0o644 });
  await writeFile(join(dir, 'group-key'), 'KEY', { mode: 0o640 });
  await writeFile(join(dir, 'key'), 'KEY', { mode: 0o600 });
  await writeFile(join(dir, 'cert'), 'CERT', { mode: 0o644 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function refusal(o: EtcdConnectOptions): EtcdError {
  try {
    loadEtcdAccess(o);
  } catch (err) {
    if (EtcdError.is(err)) return err;
    throw err;
  }
  throw new Error(`loadEtcdAccess accepted ${JSON.stringify(o)}`);
}

describe('loadEtcdAccess', () => {
  it('reads the TLS files and the password (one trailing newline less)', () => {
    const a = loadEtcdAccess({
      hosts: ['https://127.0.0.1:2379'],
      caFile: join(dir, 'cert'),
      certFile: join(dir, 'cert'),
      keyFile: join(dir, 'key'),
      user: 'clogs',
      passwordFile: join(dir, 'pass'),
    });
    expect(a.tls).toEqual({ ca: Buffer.from('CERT'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
    expect(a.auth).toEqual({ user: 'clogs', password: 'secret' });
  });

  it('refuses a password file or key file that group or others may read (ERR_ETCD_FILE)', () => {
    const open = refusal({
      hosts: ['http://127.0.0.1:2379'],
      user: 'u',
      passwordFile: join(dir, 'open-pass'),
    });
    expect(open.code).toBe('ERR_ETCD_FILE');
    expect(open.detail).toBe(
      `passwordFile ${join(dir, 'open-pass')} may be read by group or others (mode 0644): refused; chmod 600 ${join(dir, 'open-pass')}`,
    );
    const key = refusal({
      hosts: ['https://h:1'],
      certFile: join(dir, 'cert'),
      keyFile: join(dir, 'group-key'),
    });
    expect(key.code).toBe('ERR_ETCD_FILE');
    expect(key.detail).toContain('(mode 0640)');
    expect(refusal({ hosts: ['https://h:1'], caFile: join(dir, 'none') }).detail).toBe(
      `cannot read caFile ${join(dir, 'none')} (ENOENT)`,
    );
  });

  it('refuses options that do not go together (ERR_ETCD_BAD_OPTION)', () => {
    const cases: [EtcdConnectOptions, string][] = [
      [{ hosts: ['http://h:1'], caFile: 'x' }, 'caFile is for TLS: the etcd members must be https:// URLs'],
      [
        { hosts: ['https://h:1', 'http://g:1'] },
        'etcd mixes http:// and https:// members: all or none use TLS',
      ],
      [
        { hosts: ['https://h:1'], certFile: 'x' },
        'certFile and keyFile go together: the certificate and its private key',
      ],
      [{ hosts: ['http://h:1'], user: 'u' }, 'user needs a password (passwordFile)'],
      [{ hosts: ['http://h:1'], password: 'p' }, 'a password needs user'],
      [
        { hosts: ['http://127.0.0.1:1'], user: 'u', password: 'p', passwordFile: 'f' },
        'password and passwordFile: one or the other',
      ],
      [
        { hosts: ['http://etcd-1:2379'], user: 'u', password: 'p' },
        'a password would cross the network in clear text: use https:// members (caFile) for etcd off this machine',
      ],
      [{ hosts: ['etcd-1:2379'] }, 'etcd must be http(s)://host:port URLs, not "etcd-1:2379"'],
    ];
    for (const [o, detail] of cases) {
      const err = refusal(o);
      expect([err.code, err.detail]).toEqual(['ERR_ETCD_BAD_OPTION', detail]);
    }
    // On this machine a password may go over plain TCP.
    expect(loadEtcdAccess({ hosts: ['http://127.0.0.1:1'], user: 'u', password: 'p' }).auth).toEqual({
      user: 'u',
      password: 'p',
    });
  });
});

describe('registrationProblem', () => {
  const ok = { host: '10.0.0.5', port: 7070, weight: 1 };
  it('takes names of [A-Za-z0-9_.:[]-] up to 255, hosts, ports 1..65535 and weights 1..1000', () => {
    for (const name of ['log-a', '10.0.0.5:7070', '[::1]:7070', 'a'.repeat(255)]) {
      expect(registrationProblem(name, ok)).toBeUndefined();
    }
    expect(registrationProblem('a', { ...ok, host: '::1', weight: 1000 })).toBeUndefined();
    expect(registrationProblem('a', { ...ok, host: 'log-1.example.com' })).toBeUndefined();
  });
  it('names each rule broken', () => {
    const name = 'the name is not 1-255 of [A-Za-z0-9_.:[]-]';
    expect(registrationProblem('', ok)).toBe(name);
    expect(registrationProblem('a'.repeat(256), ok)).toBe(name);
    expect(registrationProblem('a b', ok)).toBe(name);
    expect(registrationProblem('a/b', ok)).toBe(name);
    expect(registrationProblem('log\u001b[2J', ok)).toBe(name);
    expect(registrationProblem('a', { ...ok, weight: 1001 })).toBe('weight is not 1..1000');
    expect(registrationProblem('a', { ...ok, weight: 0 })).toBe('weight is not 1..1000');
    expect(registrationProblem('a', { ...ok, port: 0 })).toBe('port is not 1..65535');
    expect(registrationProblem('a', { ...ok, host: 'evil\u0007host' })).toBe(
      'host is not an IP address or a DNS name',
    );
  });
});

describe('printable', () => {
  it('escapes C0, DEL, C1 and the backslash; leaves other text as it is', () => {
    expect(printable('a\u001b]0;x\u0007b\u007f\u009b\\ é ü')).toBe('a\\x1b]0;x\\x07b\\x7f\\x9b\\\\ é ü');
    expect(printable('x'.repeat(10), 4)).toBe('xxxx...(10 characters)');
  });
});
