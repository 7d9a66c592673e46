import { AtLeastOnce } from './at-least-once.js';
import { AtMostOnce } from './at-most-once.js';
import type { Delivery, DeliveryContext, DeliverySizes } from './delivery.js';

/**
 * The strategy the `delivery` option chooses, one for every link of a client: the one
 * place past the options that reads the mode.
 */
export function newDelivery(o: DeliverySizes & { atLeastOnce: boolean }, ctx: DeliveryContext): Delivery {
  return o.atLeastOnce ? new AtLeastOnce(ctx, o) : new AtMostOnce(ctx, o);
}
