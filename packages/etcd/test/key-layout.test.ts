import { describe, expect, it } from 'vitest';
import {
  clusterPrefix,
  configKey,
  encodeServerRecord,
  parseServerRecord,
  serverConfigKey,
  serverKey,
  serversPrefix,
  sysConfigKey,
} from '../src/index.js';

describe('the key layout', () => {
  it('puts registrations and the config under one cluster prefix', () => {
    expect(clusterPrefix('pay')).toBe('/clogs/pay/');
    expect(serversPrefix('pay')).toBe('/clogs/pay/servers/');
    expect(serverKey('pay', 'log-a')).toBe('/clogs/pay/servers/log-a');
    expect(configKey('pay')).toBe('/clogs/pay/config');
    expect(serverKey('pay', 'log-a').startsWith(clusterPrefix('pay'))).toBe(true);
    expect(configKey('pay').startsWith(clusterPrefix('pay'))).toBe(true);
  });

  it("puts the servers' settings beside, and a sub-system's under them", () => {
    expect(serverConfigKey('pay')).toBe('/clogs/pay/server-config');
    expect(sysConfigKey('pay', 'PAY1')).toBe('/clogs/pay/server-config/PAY1');
    // Not under servers/: a client following the fleet never takes a setting for a server.
    expect(serverConfigKey('pay').startsWith(serversPrefix('pay'))).toBe(false);
  });
});

describe('a registered value', () => {
  it('reads back what a server writes', () => {
    const record = { host: '::1', port: 7070, weight: 3 };
    const text = encodeServerRecord(record);
    expect(text).toBe('{"host":"::1","port":7070,"weight":3}');
    expect(parseServerRecord(text)).toEqual(record);
  });

  it('takes a left-out weight as 1, and ignores keys it does not know', () => {
    expect(parseServerRecord('{"host":"10.0.0.5","port":7070,"zone":"b"}')).toEqual({
      host: '10.0.0.5',
      port: 7070,
      weight: 1,
    });
  });

  it.each([
    ['not JSON', '{ not json'],
    ['JSON null', 'null'],
    ['a number', '7070'],
    ['no host', '{"port":7070}'],
    ['an empty host', '{"host":"","port":7070}'],
    ['a port as a string', '{"host":"a","port":"7070"}'],
    ['a fractional port', '{"host":"a","port":70.5}'],
    ['a fractional weight', '{"host":"a","port":7070,"weight":1.5}'],
  ])('is refused (undefined) when it is %s', (_what, text) => {
    expect(parseServerRecord(text)).toBeUndefined();
  });
});
