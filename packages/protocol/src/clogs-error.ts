/**
 * The one format of every clogs error message, in every package: what a person reads
 * first, then the stable code once, `human text [ERR_CODE]`. An error that wraps another
 * puts its own code here and keeps the other as `cause`, never repeating its code.
 */
export function formatErrorMessage(detail: string, code: string): string {
  return `${detail} [${code}]`;
}

/** The brand every clogs error carries, whichever package and whichever copy of it made it. */
export const CLOGS_ERROR_BRAND: unique symbol = Symbol.for('clogs.error');

type Branded = Record<symbol, unknown>;

/** A class {@link brandErrorClass} can brand: {@link ClogsError} or one of its subclasses. */
interface BrandableClass {
  readonly prototype: object;
  readonly brand: symbol;
}

/**
 * Gives an error class its own brand, `Symbol.for(key)`: its instances carry it on their
 * prototype, and `instanceof` tests for it instead of walking the prototype chain. Two
 * copies of a package (an app's and a transport's, a CJS and an ESM build) make distinct
 * classes; the registry symbol is the same in both, so an error from one copy is an
 * `instanceof` the other's class. Called once per class, from its static block.
 */
export function brandErrorClass(cls: BrandableClass, key: string): void {
  const brand = Symbol.for(key);
  Object.defineProperty(cls, 'brand', { value: brand });
  Object.defineProperty(cls.prototype, brand, { value: true });
}

/**
 * A branded class matches by brand. A subclass an application declares without a brand
 * of its own matches as any class does, by prototype: otherwise every error of its
 * parent's brand would pass for one.
 */
function isInstance(cls: BrandableClass, value: unknown): boolean {
  if (!Object.hasOwn(cls, 'brand')) return Function.prototype[Symbol.hasInstance].call(cls, value);
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Branded)[cls.brand] === true
  );
}

export interface ClogsErrorOptions {
  /** The error this one wraps (a refused record's ProtocolError, a socket's errno error). */
  cause?: unknown;
}

/**
 * Base of every clogs package's errors. Switch on `code`, a stable string that never
 * changes meaning once released; `detail` is the message without its code, what a wrapper
 * or a CLI shows a person; `cause` is the error this one wraps. Each package's class
 * (ProtocolError, ClientError, ServerError, ...) extends it with its own brand and codes,
 * and adds the machine-readable fields its codes need (`field`, `offset`, `reason`).
 *
 * `err instanceof ClogsError` holds for an error of any clogs package, and
 * `err instanceof ClientError` for a ClientError of any copy of @clogs/client.
 */
export class ClogsError<Code extends string = string> extends Error {
  /** The registry symbol this class's instances carry (`Symbol.for('clogs.error...')`). */
  declare static readonly brand: symbol;

  static {
    brandErrorClass(ClogsError, 'clogs.error');
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `instanceof` asks about `this`, a subclass as often as not
    return isInstance(this, value);
  }

  override name = 'ClogsError';
  readonly code: Code;
  /** The message without its code: what a person reads first. */
  readonly detail: string;

  constructor(code: Code, detail: string, options: ClogsErrorOptions = {}) {
    super(
      formatErrorMessage(detail, code),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.detail = detail;
  }
}
