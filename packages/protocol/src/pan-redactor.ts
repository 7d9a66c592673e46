import { isUtf8 } from 'node:buffer';
import { PanFinder, type PanFinderOptions } from './pan.js';

/** What to mask in messages. */
export interface RedactOptions {
  /** Card numbers (see {@link PanFinder}): first 6 and last 4 digits kept. */
  pan?: boolean | undefined;
  /** More to mask: every match becomes `*`s, as many as its bytes in UTF-8. */
  patterns?: readonly RegExp[] | undefined;
}

/**
 * Masks card numbers and custom patterns in messages, strings or bytes, keeping their
 * byte length (so a `head_len` stays right). Bytes are read as bytes for card numbers;
 * for patterns, as UTF-8 when they are valid UTF-8, otherwise one character per byte
 * (Latin-1), so no byte is decoded into something it is not.
 */
export class Redactor {
  private readonly finder: PanFinder | undefined;
  private readonly patterns: RegExp[];

  constructor(options: RedactOptions, finderOptions?: PanFinderOptions) {
    this.finder = options.pan === true ? new PanFinder(finderOptions) : undefined;
    this.patterns = (options.patterns ?? []).map((p) =>
      p.global ? new RegExp(p.source, p.flags) : new RegExp(p.source, `${p.flags}g`),
    );
  }

  /** The message masked: the same string or bytes (never modified) when nothing matched. */
  redact<M extends string | Uint8Array>(msg: M): M {
    return (typeof msg === 'string' ? this.text(msg) : this.bytes(msg as Uint8Array)) as M;
  }

  text(msg: string): string {
    const finder = this.finder;
    const out = finder !== undefined && finder.find(msg, 0, msg.length) > 0 ? finder.maskText(msg) : msg;
    return this.patterns.length === 0 ? out : this.textPatterns(out);
  }

  private textPatterns(text: string): string {
    let out = text;
    for (const p of this.patterns) out = out.replace(p, starsForUtf8);
    return out;
  }

  bytes(msg: Uint8Array): Uint8Array {
    const finder = this.finder;
    let out = msg;
    if (finder !== undefined && finder.find(msg, 0, msg.length) > 0) {
      out = Buffer.from(msg);
      finder.mask(out);
    }
    if (this.patterns.length === 0) return out;
    const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    const utf8 = isUtf8(buf);
    const text = buf.toString(utf8 ? 'utf8' : 'latin1');
    let masked = text;
    for (const p of this.patterns) masked = masked.replace(p, utf8 ? starsForUtf8 : starsPerChar);
    return masked === text ? out : Buffer.from(masked, utf8 ? 'utf8' : 'latin1');
  }
}

function starsForUtf8(match: string): string {
  return '*'.repeat(Buffer.byteLength(match));
}

function starsPerChar(match: string): string {
  return '*'.repeat(match.length);
}
