/**
 * An error's message for a person: without the `[ERR_...]` code at its end (the code
 * is for programs; the shell and the notices print the words).
 */
export function forPeople(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/ \[ERR_[A-Z_]+\]$/, '');
}
