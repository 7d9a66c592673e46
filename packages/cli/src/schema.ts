/**
 * A small schema for JSON: the config file's type and its checks from one source. A
 * check walks the whole value and reports every problem with its path
 * (`client.ping.intervlMs: unknown key`), not only the first. Values are checked for
 * their type here; their ranges are the client's to check.
 */

/** One problem: where (`servers[1].port`; '' for the whole value) and what. */
export interface Issue {
  path: string;
  problem: string;
}

export interface Schema<T> {
  /** What it takes, for messages: `a string`, `'file' or 'record'`. */
  readonly expects: string;
  /** Whether `value` is of its kind at all (deeper problems aside): picks a branch of {@link either}. */
  matches(value: unknown): boolean;
  /** Adds the problems of `value` at `path` to `issues`. */
  check(value: unknown, path: string, issues: Issue[]): void;
  /** Never set: carries the type. */
  readonly type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

const shown = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function leaf<T>(expects: string, matches: (value: unknown) => boolean): Schema<T> {
  return {
    expects,
    matches,
    check(value, path, issues) {
      if (!matches(value)) issues.push({ path, problem: `must be ${expects}, not ${shown(value)}` });
    },
  };
}

export const string = (): Schema<string> => leaf('a string', (v) => typeof v === 'string');

export const boolean = (): Schema<boolean> => leaf('true or false', (v) => typeof v === 'boolean');

export const number = (): Schema<number> =>
  leaf('a number', (v) => typeof v === 'number' && Number.isFinite(v));

export const oneOf = <const T extends readonly string[]>(...values: T): Schema<T[number]> =>
  leaf(values.map((v) => `'${v}'`).join(' or '), (v) => (values as readonly unknown[]).includes(v));

/** `a` or `b`: the first whose kind the value is, checked in depth. */
export function either<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  const expects = `${a.expects} or ${b.expects}`;
  return {
    expects,
    matches: (v) => a.matches(v) || b.matches(v),
    check(value, path, issues) {
      if (a.matches(value)) a.check(value, path, issues);
      else if (b.matches(value)) b.check(value, path, issues);
      else issues.push({ path, problem: `must be ${expects}, not ${shown(value)}` });
    },
  };
}

export function list<T>(item: Schema<T>): Schema<T[]> {
  return {
    expects: 'a list',
    matches: Array.isArray,
    check(value, path, issues) {
      if (!Array.isArray(value))
        return void issues.push({ path, problem: `must be a list, not ${shown(value)}` });
      for (const [i, v] of value.entries()) item.check(v, `${path}[${i}]`, issues);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type ObjectOf<S extends Shape, R extends keyof S> = { [K in Exclude<keyof S, R>]?: Infer<S[K]> } & {
  [K in R]: Infer<S[K]>;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object of these keys, every one optional but those `required`; any other key is refused. */
export function object<S extends Shape, R extends keyof S & string = never>(
  shape: S,
  required: readonly R[] = [],
): Schema<ObjectOf<S, R>> {
  return {
    expects: 'an object',
    matches: isObject,
    check(value, path, issues) {
      if (!isObject(value))
        return void issues.push({ path, problem: `must be an object, not ${shown(value)}` });
      for (const [key, v] of Object.entries(value)) {
        const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
        if (field === undefined) issues.push({ path: join(path, key), problem: 'unknown key' });
        else field.check(v, join(path, key), issues);
      }
      for (const key of required) {
        if (!Object.hasOwn(value, key)) issues.push({ path: join(path, key), problem: 'missing' });
      }
    },
  };
}

/** The problems of `value`, every one; none when it fits. */
export function problems<T>(schema: Schema<T>, value: unknown): Issue[] {
  const issues: Issue[] = [];
  schema.check(value, '', issues);
  return issues;
}
