/**
 * @clogs/client: non-blocking batched logging over UDP, ketama routing, ping/pong
 * isolation and recovery, optional at-least-once delivery.
 *
 * An empty shell for now: the client lands with its own issue, on top of
 * `@clogs/protocol`'s BatchWriter.
 */
export {};
