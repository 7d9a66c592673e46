/**
 * `text` safe to print to a terminal: C0 controls, DEL and C1 controls (ESC, CSI, OSC,
 * BEL, ...) become `\xNN`, and `\` becomes `\\` so the escape reads back unambiguously.
 * What etcd holds is written by anyone with access to it; a key or value quoted in a
 * warning must not be able to move a cursor, retitle a window or clear a screen.
 */
export function printable(text: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the controls are what is matched
  const safe = text.replace(/[\\\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\\' ? '\\\\' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return safe.length > max ? `${safe.slice(0, max)}...(${text.length} characters)` : safe;
}
