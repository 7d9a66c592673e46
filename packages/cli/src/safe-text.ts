/**
 * Text clogs-cli did not write itself (server names, addresses and warnings from etcd
 * or from servers, registered values, error messages that quote them) made safe for a
 * terminal: a control character in it could move the cursor, clear the screen, retitle
 * the window or hide what follows. Each is shown as an escape instead, as clogs-server
 * writes them in its lines: C0 and DEL as `\xNN` (`\n`, `\r`, `\t` for those three), C1
 * controls as `\xc2\xNN` (their UTF-8 bytes), and the Unicode bidirectional overrides and
 * isolates, which reorder what is shown, as `\u{NNNN}`. Everything else is kept.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to find
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function shown(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return SHORT[c] ?? `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0x9f) return `\\xc2\\x${code.toString(16)}`;
  return `\\u{${code.toString(16)}}`;
}

export function safeText(text: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(text) ? text.replace(UNSAFE, shown) : text;
}
