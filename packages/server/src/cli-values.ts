import { ServerError } from './errors.js';

// The command line's value parsers: each refuses what it does not take with
// ERR_SERVER_BAD_OPTION naming the flag (clogs-server exits 64).

/** `64M`, `256k`, `1G`, `2T` or plain bytes. */
export function parseBytes(name: string, text: string): number {
  const m = /^(\d{1,15})([kKmMgGtT]?)$/.exec(text);
  if (!m)
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a size like 1048576, 512K, 64M or 1G`);
  const unit = m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't';
  return Number(m[1]) * { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[unit];
}

/** A file mode in octal, such as 0640 or 640. */
export function parseMode(name: string, text: string): number {
  if (!/^0?[0-7]{3}$/.test(text))
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be octal like 0640`);
  return Number.parseInt(text, 8);
}

/** `PAY1,OPS`: sys_ids, checked by the server's options. */
export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim());
}

export function parseRollEvery(text: string): 'hour' | 'day' {
  if (text !== 'hour' && text !== 'day')
    throw new ServerError('ERR_SERVER_BAD_OPTION', '--roll-every must be hour or day');
  return text;
}

/** A plain decimal integer: no sign, hex, exponent or spaces. */
export function parseInteger(name: string, text: string): number {
  if (!/^\d{1,15}$/.test(text))
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a whole number`);
  return Number(text);
}

/** A plain decimal fraction such as 0.25. */
export function parseFraction(name: string, text: string): number {
  if (!/^\d+(?:\.\d+)?$/.test(text)) {
    throw new ServerError('ERR_SERVER_BAD_OPTION', `${name} must be a number like 0.25`);
  }
  return Number(text);
}
