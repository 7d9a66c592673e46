/** `client.stats().spool`: what the disk spool holds and did (see the README's Disk spool). */
export interface SpoolStats {
  dir: string;
  segments: number;
  /** Records this process wrote to the spool, and records it loaded from what a previous one left. */
  spooled: number;
  replayed: number;
  /** Records found at start, left by a previous process (replayed as memory has room). */
  found: number;
  /** Records on disk only, waiting for room in memory. */
  backlog: number;
  /** Entries cut at recovery or while loading (torn or corrupt), and their bytes. */
  cut: number;
  cutBytes: number;
  /** At close(): records left on disk for the next client on this folder. */
  left: number;
}
