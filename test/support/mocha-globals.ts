import * as vitest from 'vitest';

type Done = (err?: unknown) => void;
type Body = (this: unknown, done: Done) => unknown;

/** A mocha body that takes `done` as vitest's promise; one that does not, as it is. */
function settled(fn: Body): () => unknown {
  if (fn.length === 0) return () => fn.call(undefined, () => {});
  return () =>
    new Promise<void>((resolve, reject) => {
      fn.call(undefined, (err?: unknown) => (err === undefined || err === null ? resolve() : reject(err)));
    });
}

/**
 * Installs mocha's globals (`describe`, `it`, `beforeEach`, `afterEach`, `before`,
 * `after`) over vitest's, for a peer's conformance suite written for mocha (a suite that
 * calls them as globals when it is required). A test file runs in a context of its own,
 * so they are gone with it.
 */
export function installMochaGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g['describe'] = (name: string, fn: () => void) => vitest.describe(name, fn);
  g['it'] = (name: string, fn: Body) => vitest.it(name, settled(fn));
  g['beforeEach'] = (fn: Body) => vitest.beforeEach(settled(fn));
  g['afterEach'] = (fn: Body) => vitest.afterEach(settled(fn));
  g['before'] = (fn: Body) => vitest.beforeAll(settled(fn));
  g['after'] = (fn: Body) => vitest.afterAll(settled(fn));
}
