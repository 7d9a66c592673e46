/*
 * The source field of a line, written with attribution on: where the record's datagram
 * came from and how its frame was protected, as `<address>:<port>/<sealed>`:
 *
 *   127.0.0.1:40211/signed    [::1]:40211/encrypted    [fe80::1%eth0]:5140/plain
 *
 * An IPv6 address is bracketed. `sealed` is `encrypted` (an AEAD frame: the message was
 * secret and authenticated), `signed` (an HMAC trailer: authenticated, sent in clear) or
 * `plain` (neither: anyone on the path could have written it). The field has no space,
 * and starts with a digit or "[", never with a capital letter as the level does.
 */

export type Sealed = 'encrypted' | 'signed' | 'plain';

/** Where a datagram came from: dgram's `RemoteInfo` is one. */
export interface LineSource {
  address: string;
  port: number;
}

const ADDRESS_MAX_CHARS = 64;
/** Bytes a source field takes at most: "[" address "]:" port "/" "encrypted". */
export const SOURCE_MAX_BYTES = 1 + ADDRESS_MAX_CHARS + 2 + 5 + 1 + 9;

/** Characters an address may show; anything else (it comes from the OS, not the sender) as "?". */
const ADDRESS_CHARS = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF:.%_-ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ') {
  ADDRESS_CHARS[c.charCodeAt(0)] = 1;
}
const SEALED: Record<Sealed, Buffer> = {
  encrypted: Buffer.from('encrypted'),
  signed: Buffer.from('signed'),
  plain: Buffer.from('plain'),
};

/** Writes the source field at 0 in `out` (SOURCE_MAX_BYTES of room) and returns its length. */
export function writeSource(out: Buffer, remote: LineSource | undefined, sealed: Sealed | undefined): number {
  const address = remote?.address ?? '?';
  const v6 = address.includes(':');
  let p = 0;
  if (v6) out[p++] = 0x5b; // [
  for (let i = 0, n = Math.min(address.length, ADDRESS_MAX_CHARS); i < n; i++) {
    const c = address.charCodeAt(i);
    out[p++] = ADDRESS_CHARS[c] === 1 ? c : 0x3f; // "?"
  }
  if (v6) out[p++] = 0x5d; // ]
  out[p++] = 0x3a; // :
  p += out.write(String(remote?.port ?? 0), p, 'latin1');
  out[p++] = 0x2f; // /
  const word = SEALED[sealed ?? 'plain'] ?? SEALED.plain;
  p += word.copy(out, p);
  return p;
}

/** The source field read back, or undefined when `field` is not one. */
export function parseSource(field: string): { address: string; port: number; sealed: Sealed } | undefined {
  const m = /^(?:\[([0-9A-Za-z:.%_?-]+)\]|([0-9A-Za-z.%_?-]+)):(\d{1,5})\/(encrypted|signed|plain)$/.exec(
    field,
  );
  if (m === null) return undefined;
  return { address: (m[1] ?? m[2])!, port: Number(m[3]), sealed: m[4] as Sealed };
}
