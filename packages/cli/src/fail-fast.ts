import type { DownEvent } from '@clogs/client';
import type { Session } from './session.js';

/**
 * Watches a session's servers for the verdict that nothing can be delivered: every
 * server of the fleet went down for a reason the client gave in a `down` event
 * (`refused`: ICMP port unreachable; `no-pong`: no answer to `failureLimit` pings, a
 * wrong AUTH key among the causes; `no-ack`: at-least-once with a server that
 * acknowledges nothing). Then `onAllDown` is called once, with the servers and their
 * reasons (`s0 refused, s1 no-pong`).
 *
 * A server counts only once a `down` event named it: one etcd's fleet adds is down
 * until it answers, with no verdict, and an empty fleet (etcd not read yet) has none
 * either. An `up` event takes a server's verdict back. Returns what stops the watch.
 */
export function watchAllDown(session: Session, onAllDown: (why: string) => void): () => void {
  const verdicts = new Map<string, string>();
  let fired = false;
  const check = () => {
    if (fired) return;
    const servers = session.stats().servers;
    if (servers.length === 0 || !servers.every((s) => verdicts.has(s.name))) return;
    fired = true;
    onAllDown(servers.map((s) => `${s.name} ${verdicts.get(s.name)}`).join(', '));
  };
  const onDown = ({ server, reason }: DownEvent) => {
    verdicts.set(server, reason);
    check();
  };
  const onUp = ({ server }: { server: string }) => verdicts.delete(server);
  session.on('down', onDown);
  session.on('up', onUp);
  return () => {
    session.off('down', onDown);
    session.off('up', onUp);
  };
}

/** What the notice says when the run ends at the verdict, `why` being {@link watchAllDown}'s. */
export function allDownNotice(why: string): string {
  return `clogs-cli: every server is down (${why}): nothing can be delivered; giving up now, not at --timeout (--wait-for-servers waits)`;
}
