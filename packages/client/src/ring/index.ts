export { Continuum, ketamaDigests, type RingNode } from './continuum.js';
export { ketamaHash } from './ketama-hash.js';
export { KetamaPoints } from './ketama-points.js';
export { RouteCache } from './route-cache.js';
