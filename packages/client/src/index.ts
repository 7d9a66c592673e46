/**
 * @clogs/client: non-blocking batched logging over UDP, ketama routing, ping/pong
 * isolation and recovery, optional at-least-once delivery.
 *
 * Built so far: the ketama continuum the client routes with (`ring/`). The client
 * itself (batching, transport, health, delivery) is still to come.
 */
export { Continuum, ketamaDigests, ketamaHash, type RingNode, RouteCache } from './ring/index.js';
