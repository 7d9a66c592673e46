import type { Colors } from '../colours.js';
import type { Session } from '../session.js';

/**
 * The shell's answer to a line it sent, on a terminal (quiet when its output is a pipe):
 * `#3 sent → PAY1/app on log-a` once the record is handed to the network, or with ack
 * on `#3 acked …` once a server has acknowledged it; if that takes longer than
 * `timeoutMs`, it says the record waits. The flush it waits on seals the frame, so a
 * typed line goes at once rather than at the next flush interval.
 */
export function acknowledge(
  session: Session,
  o: { n: number; key: string; timeoutMs: number; colors: Colors },
  print: (line: string) => void,
): void {
  const what = session.ack ? 'acked' : 'sent';
  const routed = session.route(o.key);
  session.flush({ timeoutMs: o.timeoutMs }).then(
    (done) => {
      if (!done) {
        print(
          o.colors.yellow(`  #${o.n} not ${what} within ${o.timeoutMs} ms; it waits (.servers says why)`),
        );
        return;
      }
      const server = routed ?? session.route(o.key);
      print(o.colors.dim(`  #${o.n} ${what} → ${o.key}${server === undefined ? '' : ` on ${server}`}`));
    },
    // The client closed meanwhile (.exit, .ack): the exit summary counts the record.
    () => {},
  );
}
