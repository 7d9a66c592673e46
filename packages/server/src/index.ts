/**
 * clogs-server: the reference log server (ping/pong, ACK, dedupe, one line per
 * record, async buffered writer).
 *
 * An empty shell for now: the server lands with its own issue.
 */
export {};
